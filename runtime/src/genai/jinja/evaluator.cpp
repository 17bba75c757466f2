#include "evaluator.hpp"

#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "lexer.hpp"

namespace npu::genai::jinja {
namespace {

Value undefined(std::string message) { return Value(Undefined{std::move(message)}); }

[[noreturn]] void raise_undefined(const Value& v) {
  const std::string& what = v.as_undefined().name;
  raise(what.empty() ? std::string("a value is undefined") : what);
}

template <class Op>
std::int64_t checked(Op op, std::int64_t x, std::int64_t y) {
  std::int64_t r = 0;
  if (op(x, y, &r)) raise("integer overflow (the value is beyond 64 bits)");
  return r;
}
constexpr auto kAdd = [](std::int64_t x, std::int64_t y, std::int64_t* r) { return __builtin_add_overflow(x, y, r); };
constexpr auto kSub = [](std::int64_t x, std::int64_t y, std::int64_t* r) { return __builtin_sub_overflow(x, y, r); };
constexpr auto kMul = [](std::int64_t x, std::int64_t y, std::int64_t* r) { return __builtin_mul_overflow(x, y, r); };

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  const auto type_error = [&]() -> Value {
    raise(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, a.type_name(), b.type_name()));
  };
  if (op == "+") {
    if (a.is_string() && b.is_string()) return Value(a.as_string() + b.as_string());
    if (a.is_list() && b.is_list() && a.as_list().tuple == b.as_list().tuple) {
      std::vector<Value> items = a.as_list().items;
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return Value::list(std::move(items), a.as_list().tuple);
    }
  }
  if (op == "*") {  // sequence repetition
    const Value* seq = a.is_string() || a.is_list() ? &a : b.is_string() || b.is_list() ? &b : nullptr;
    const Value* count = seq == &a ? &b : &a;
    if (seq != nullptr && (count->is_int() || count->is_bool())) {
      const std::int64_t n = std::max<std::int64_t>(0, count->as_int());
      if (seq->is_string()) {
        if (static_cast<double>(seq->as_string().size()) * static_cast<double>(n) > double(1 << 28)) {
          raise("string repetition too large");
        }
        std::string out;
        for (std::int64_t i = 0; i < n; ++i) out += seq->as_string();
        return Value(std::move(out));
      }
      std::vector<Value> items;
      if (static_cast<double>(seq->as_list().items.size()) * static_cast<double>(n) > 1e7) raise("list repetition too large");
      for (std::int64_t i = 0; i < n; ++i) items.insert(items.end(), seq->as_list().items.begin(), seq->as_list().items.end());
      return Value::list(std::move(items), seq->as_list().tuple);
    }
  }
  if (op == "%" && a.is_string()) return Value(py_percent_format(a.as_string(), b));
  if (!a.is_number() || !b.is_number()) return type_error();
  const bool floats = a.is_float() || b.is_float();
  if (op == "/") {
    if (b.as_double() == 0.0) raise("division by zero");
    return Value(a.as_double() / b.as_double());
  }
  if (floats) {
    const double x = a.as_double(), y = b.as_double();
    if (op == "+") return Value(x + y);
    if (op == "-") return Value(x - y);
    if (op == "*") return Value(x * y);
    if (op == "**") return Value(std::pow(x, y));
    if (y == 0.0) raise("float division by zero");
    if (op == "//") return Value(std::floor(x / y));
    double m = std::fmod(x, y);  // "%": the result takes the divisor's sign, as in Python
    if (m != 0.0 && ((m < 0) != (y < 0))) m += y;
    return Value(m);
  }
  const std::int64_t x = a.as_int(), y = b.as_int();
  if (op == "+") return Value(checked(kAdd, x, y));
  if (op == "-") return Value(checked(kSub, x, y));
  if (op == "*") return Value(checked(kMul, x, y));
  if (op == "**") {
    if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
    std::int64_t result = 1;
    for (std::int64_t i = 0; i < y; ++i) {
      result = checked(kMul, result, x);
      if (result == 0 || result == 1) break;
    }
    return Value(result);
  }
  if (y == 0) raise("integer division or modulo by zero");
  if (x == INT64_MIN && y == -1) raise("integer overflow (the value is beyond 64 bits)");
  std::int64_t q = x / y, m = x % y;
  if (m != 0 && ((m < 0) != (y < 0))) {
    --q;
    m += y;
  }
  return Value(op == "//" ? q : m);
}

bool contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) raise(fmt::format("'in <string>' requires string as left operand, not {}", item.type_name()));
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_list()) {
    for (const Value& v : container.as_list().items) {
      if (v == item) return true;
    }
    return false;
  }
  if (container.is_dict()) return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
  if (container.is_undefined()) return false;
  raise(fmt::format("argument of type '{}' is not iterable", container.type_name()));
}

// Python's slice of a sequence of `size` elements: the indices it selects.
std::vector<std::size_t> slice_indices(std::size_t size, const Value& start_v, const Value& stop_v, const Value& step_v) {
  const auto as_index = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    if (!v.is_int() && !v.is_bool()) raise(fmt::format("slice {} must be an integer or None", what));
    return v.as_int();
  };
  const std::int64_t n = static_cast<std::int64_t>(size);
  const std::int64_t step = as_index(step_v, "step").value_or(1);
  if (step == 0) raise("slice step cannot be zero");
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
    if (!v) return dflt;
    std::int64_t i = *v < 0 ? *v + n : *v;
    if (step > 0) return std::clamp<std::int64_t>(i, 0, n);
    return std::clamp<std::int64_t>(i, -1, n - 1);
  };
  const std::int64_t start = clamp(as_index(start_v, "start"), step > 0 ? 0 : n - 1);
  const std::int64_t stop = clamp(as_index(stop_v, "stop"), step > 0 ? n : -1);
  std::vector<std::size_t> out;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(static_cast<std::size_t>(i));
  return out;
}

}  // namespace

Evaluator::Evaluator(std::string_view source, Limits limits) : source_(source), limits_(limits) {
  globals_["range"] = Value::function("range", [](const CallArgs& a, Evaluator& ev) {
    a.check("range", 3, {});
    for (const Value& v : a.positional) {
      if (!v.is_int() && !v.is_bool()) raise(fmt::format("range() takes integers, not '{}'", v.type_name()));
    }
    if (a.positional.empty()) raise("range expected at least 1 argument, got 0");
    std::int64_t start = 0, stop = 0, step = 1;
    if (a.positional.size() == 1) {
      stop = a.positional[0].as_int();
    } else {
      start = a.positional[0].as_int();
      stop = a.positional[1].as_int();
      if (a.positional.size() == 3) step = a.positional[2].as_int();
    }
    if (step == 0) raise("range() arg 3 must not be zero");
    std::vector<Value> items;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      ev.count_iterations(1);
      items.emplace_back(i);
    }
    return Value::list(std::move(items));
  });
  globals_["namespace"] = Value::function("namespace", [](const CallArgs& a, Evaluator&) {
    auto ns = std::make_shared<DictData>();
    ns->is_namespace = true;
    if (a.positional.size() > 1) raise("namespace() takes at most one positional argument (a dict)");
    if (a.positional.size() == 1) {
      if (!a.positional[0].is_dict()) raise("namespace() takes a dict or keyword arguments");
      ns->items = a.positional[0].as_dict().items;
    }
    for (const auto& [k, v] : a.keyword) ns->set(k, v);
    return Value(DictPtr(std::move(ns)));
  });
  globals_["dict"] = Value::function("dict", [](const CallArgs& a, Evaluator&) {
    auto d = std::make_shared<DictData>();
    if (a.positional.size() > 1) raise("dict() takes at most one positional argument");
    if (a.positional.size() == 1) {
      if (a.positional[0].is_dict()) {
        d->items = a.positional[0].as_dict().items;
      } else {
        for (const Value& pair : a.positional[0].iterate()) {
          if (!pair.is_list() || pair.as_list().items.size() != 2 || !pair.as_list().items[0].is_string()) {
            raise("dict() takes a dict or a sequence of (str, value) pairs");
          }
          d->set(pair.as_list().items[0].as_string(), pair.as_list().items[1]);
        }
      }
    }
    for (const auto& [k, v] : a.keyword) d->set(k, v);
    return Value(DictPtr(std::move(d)));
  });
  globals_["raise_exception"] = Value::function("raise_exception", [](const CallArgs& a, Evaluator&) -> Value {
    raise(fmt::format("the template raised an error: {}", a.positional.empty() ? std::string() : to_str(a.positional[0])));
  });
  globals_["strftime_now"] = Value::function("strftime_now", [](const CallArgs& a, Evaluator&) {
    if (a.positional.size() != 1 || !a.positional[0].is_string()) raise("strftime_now() takes one format string");
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[512];
    const std::size_t n = std::strftime(buf, sizeof buf, a.positional[0].as_string().c_str(), &tm);
    return Value(std::string(buf, n));
  });
}

void Evaluator::count_iterations(std::size_t n) {
  iterations_ += n;
  if (iterations_ > limits_.max_iterations) {
    raise(fmt::format("the template ran more than {} loop iterations; it does not look like a chat template",
                      limits_.max_iterations));
  }
}

std::string Evaluator::render(const Body& body, const std::vector<std::pair<std::string, Value>>& variables) {
  scopes_.clear();
  auto top = std::make_shared<Frame>();
  for (const auto& [k, v] : variables) (*top)[k] = v;
  scopes_.push_back(std::move(top));
  std::string out;
  (void)exec(body, out);
  return out;
}

void Evaluator::write(std::string& out, std::string_view text) const {
  if (out.size() + text.size() > limits_.max_output_bytes) {
    raise(fmt::format("the template's output exceeds {} bytes", limits_.max_output_bytes));
  }
  out += text;
}

Value Evaluator::lookup(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    if (auto f = (*it)->find(name); f != (*it)->end()) return f->second;
  }
  if (auto f = globals_.find(name); f != globals_.end()) return f->second;
  return undefined(fmt::format("'{}' is undefined", name));
}

Evaluator::Flow Evaluator::exec(const Body& body, std::string& out) {
  for (const StmtPtr& s : body) {
    const Flow f = exec(*s, out);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Evaluator::Flow Evaluator::exec(const Stmt& s, std::string& out) {
  try {
    switch (s.kind) {
      case Stmt::Kind::kText: write(out, s.text); break;
      case Stmt::Kind::kPrint: write(out, to_str(eval(*s.expr))); break;
      case Stmt::Kind::kIf:
        for (std::size_t i = 0; i < s.conditions.size(); ++i) {
          if (eval(*s.conditions[i]).truthy()) return exec(s.bodies[i], out);
        }
        return exec(s.else_body, out);
      case Stmt::Kind::kFor: exec_for(s, out); break;
      case Stmt::Kind::kSet: assign(s.target, eval(*s.expr), s.offset); break;
      case Stmt::Kind::kSetBlock: {
        Value text = render_block(s.bodies[0]);
        if (s.expr) {
          block_text_.push_back(text.as_string());
          text = eval(*s.expr);
          block_text_.pop_back();
        }
        assign(s.target, std::move(text), s.offset);
        break;
      }
      case Stmt::Kind::kMacro: (*scopes_.back())[s.text] = define_macro(s); break;
      case Stmt::Kind::kCallBlock: {
        const Expr& call = *s.expr;
        const Value callee = eval(*call.items[0]);
        CallArgs args = eval_args(call, 1);
        const ScopesSeen at_call = seen(scopes_);
        args.keyword.emplace_back("caller", Value::function("caller", [this, &s, at_call](const CallArgs& a, Evaluator&) {
          Scopes saved = std::exchange(scopes_, restore(at_call));
          auto frame = std::make_shared<Frame>();
          for (std::size_t i = 0; i < s.params.size(); ++i) {
            const Value* v = a.get(i, s.params[i].name);
            (*frame)[s.params[i].name] = v != nullptr ? *v : Value();
          }
          scopes_.push_back(std::move(frame));
          std::string text;
          try {
            (void)exec(s.bodies[0], text);
          } catch (...) {
            scopes_ = std::move(saved);
            throw;
          }
          scopes_ = std::move(saved);
          return Value(std::move(text));
        }));
        write(out, to_str(call_depth_guarded(callee, args)));
        break;
      }
      case Stmt::Kind::kFilterBlock: {
        Value text = render_block(s.bodies[0]);
        block_text_.push_back(text.as_string());
        Value result = eval(*s.expr);
        block_text_.pop_back();
        write(out, to_str(result));
        break;
      }
      case Stmt::Kind::kWith: {
        std::vector<Value> values;
        for (const ExprPtr& v : s.values) values.push_back(eval(*v));
        scopes_.push_back(std::make_shared<Frame>());
        for (std::size_t i = 0; i < values.size(); ++i) assign(s.targets[i], values[i], s.offset);
        Flow f = Flow::kNormal;
        try {
          f = exec(s.bodies[0], out);
        } catch (...) {
          scopes_.pop_back();
          throw;
        }
        scopes_.pop_back();
        return f;
      }
      case Stmt::Kind::kScope: return exec(s.bodies[0], out);
      case Stmt::Kind::kBreak: return Flow::kBreak;
      case Stmt::Kind::kContinue: return Flow::kContinue;
    }
  } catch (TemplateError& e) {
    if (!e.located) {
      e.message += fmt::format(" ({})", describe_position(source_, s.offset));
      e.located = true;
    }
    throw;
  }
  return Flow::kNormal;
}

Value Evaluator::render_block(const Body& body) {
  std::string text;
  (void)exec(body, text);
  return Value(std::move(text));
}

void Evaluator::assign(const Target& t, Value value, std::size_t offset) {
  (void)offset;
  if (!t.attribute.empty()) {
    const Value ns = lookup(t.names[0]);
    if (!ns.is_namespace()) {
      raise(fmt::format("cannot assign attribute '{}' on '{}', which is not a namespace(): use "
                        "{{% set {} = namespace({}=...) %}} first", t.attribute, t.names[0], t.names[0], t.attribute));
    }
    ns.namespace_data().set(t.attribute, std::move(value));
    return;
  }
  Frame& frame = *scopes_.back();
  if (!t.tuple) {
    frame[t.names[0]] = std::move(value);
    return;
  }
  const std::vector<Value> items = value.is_list() ? value.as_list().items : value.iterate();
  if (items.size() != t.names.size()) {
    raise(fmt::format("cannot unpack {} value(s) into {} name(s)", items.size(), t.names.size()));
  }
  for (std::size_t i = 0; i < items.size(); ++i) frame[t.names[i]] = items[i];
}

void Evaluator::exec_for(const Stmt& s, std::string& out) {
  const Value iterable = eval(*s.expr);
  std::vector<Value> items = iterable.iterate();
  if (s.condition) {  // {% for x in xs if cond %}: filtered before loop.* is counted
    std::vector<Value> kept;
    for (Value& item : items) {
      scopes_.push_back(std::make_shared<Frame>());
      bool keep = false;
      try {
        assign(s.target, item, s.offset);
        keep = eval(*s.condition).truthy();
      } catch (...) {
        scopes_.pop_back();
        throw;
      }
      scopes_.pop_back();
      if (keep) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    (void)exec(s.else_body, out);
    return;
  }
  const auto length = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < length; ++i) {
    count_iterations(1);
    const auto idx = static_cast<std::size_t>(i);
    std::vector<std::pair<std::string, Value>> loop = {
        {"index", Value(i + 1)}, {"index0", Value(i)}, {"revindex", Value(length - i)},
        {"revindex0", Value(length - i - 1)}, {"first", Value(i == 0)}, {"last", Value(i == length - 1)},
        {"length", Value(length)}, {"depth", Value(1)}, {"depth0", Value(0)},
        {"previtem", idx > 0 ? items[idx - 1] : undefined("there is no previous item")},
        {"nextitem", idx + 1 < items.size() ? items[idx + 1] : undefined("there is no next item")},
        {"cycle", Value::function("cycle", [i](const CallArgs& a, Evaluator&) {
           if (a.positional.empty()) raise("loop.cycle() needs at least one value");
           return a.positional[static_cast<std::size_t>(i) % a.positional.size()];
         })}};
    auto frame = std::make_shared<Frame>();
    (*frame)["loop"] = Value::dict(std::move(loop));
    scopes_.push_back(std::move(frame));
    Flow f = Flow::kNormal;
    try {
      assign(s.target, items[idx], s.offset);
      f = exec(s.bodies[0], out);
    } catch (...) {
      scopes_.pop_back();
      throw;
    }
    scopes_.pop_back();
    if (f == Flow::kBreak) break;
  }
}

Evaluator::Scopes Evaluator::restore(const ScopesSeen& seen) {
  Scopes scopes;
  scopes.reserve(seen.size());
  for (const auto& frame : seen) {
    auto alive = frame.lock();
    scopes.push_back(alive ? std::move(alive) : std::make_shared<Frame>());
  }
  return scopes;
}

Value Evaluator::define_macro(const Stmt& s) {
  const ScopesSeen defined_in = seen(scopes_);
  return Value::function(s.text, [this, &s, defined_in](const CallArgs& a, Evaluator&) {
    Scopes saved = std::exchange(scopes_, restore(defined_in));
    auto frame = std::make_shared<Frame>();
    std::vector<Value> varargs;
    for (std::size_t i = s.params.size(); i < a.positional.size(); ++i) varargs.push_back(a.positional[i]);
    std::vector<std::pair<std::string, Value>> kwargs;
    for (const auto& [k, v] : a.keyword) {
      bool is_param = k == "caller";
      for (const MacroParam& p : s.params) is_param = is_param || p.name == k;
      if (!is_param) kwargs.emplace_back(k, v);
      if (k == "caller") (*frame)["caller"] = v;
    }
    (*frame)["varargs"] = Value::list(std::move(varargs), /*tuple=*/true);
    (*frame)["kwargs"] = Value::dict(std::move(kwargs));
    scopes_.push_back(frame);
    std::string text;
    try {
      for (std::size_t i = 0; i < s.params.size(); ++i) {
        const MacroParam& p = s.params[i];
        const Value* v = a.get(i, p.name);
        (*frame)[p.name] = v != nullptr ? *v : p.default_value ? eval(*p.default_value)
                                                                : undefined(fmt::format("'{}' is undefined", p.name));
      }
      (void)exec(s.bodies[0], text);
    } catch (...) {
      scopes_ = std::move(saved);
      throw;
    }
    scopes_ = std::move(saved);
    return Value(std::move(text));
  });
}

Value Evaluator::call_depth_guarded(const Value& callee, const CallArgs& args) {
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    raise(fmt::format("calls nested more than {} deep (a macro calling itself without end?)", limits_.max_call_depth));
  }
  try {
    Value v = call(callee, args);
    --call_depth_;
    return v;
  } catch (...) {
    --call_depth_;
    throw;
  }
}

Value Evaluator::call(const Value& callee, const CallArgs& args) {
  if (callee.is_undefined()) raise_undefined(callee);
  if (!callee.is_function()) raise(fmt::format("'{}' object is not callable", callee.type_name()));
  return callee.as_function().call(args, *this);
}

CallArgs Evaluator::eval_args(const Expr& e, std::size_t first) {
  CallArgs args;
  for (std::size_t i = first; i < e.items.size(); ++i) args.positional.push_back(eval(*e.items[i]));
  for (const auto& [k, v] : e.keywords) args.keyword.emplace_back(k, eval(*v));
  return args;
}

Value Evaluator::get_attribute(const Value& obj, std::string_view name) {
  if (obj.is_undefined()) raise_undefined(obj);
  if (obj.is_namespace()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
  } else if (obj.is_dict() || obj.is_string() || obj.is_list()) {
    Value m = method(obj, name);
    if (!m.is_undefined()) return m;
    if (obj.is_dict()) {
      if (const Value* v = obj.as_dict().find(name)) return *v;
    }
  }
  return undefined(fmt::format("'{} object' has no attribute '{}'", obj.type_name(), name));
}

Value Evaluator::get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) raise_undefined(obj);
  if ((obj.is_dict() || obj.is_namespace()) && key.is_string()) {
    if (const Value* v = obj.as_dict().find(key.as_string())) return *v;
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    std::int64_t i = key.as_int();
    if (obj.is_list()) {
      const auto n = static_cast<std::int64_t>(obj.as_list().items.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return obj.as_list().items[static_cast<std::size_t>(i)];
    } else {
      const auto cps = code_points(obj.as_string());
      const auto n = static_cast<std::int64_t>(cps.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return Value(from_code_points(cps, static_cast<std::size_t>(i), static_cast<std::size_t>(i) + 1));
    }
    return undefined(fmt::format("{} object has no element {}", obj.type_name(), key.as_int()));
  }
  if (key.is_string()) return get_attribute(obj, key.as_string());
  return undefined(fmt::format("'{} object' has no element {}", obj.type_name(), repr(key)));
}

Value Evaluator::filter(std::string_view name, const Value& input, const CallArgs& args) {
  return apply_filter(*this, name, input, args);
}

bool Evaluator::test(std::string_view name, const Value& input, const CallArgs& args) {
  return apply_test(*this, name, input, args);
}

Value Evaluator::binary(const Expr& e) {
  const std::string& op = e.name;
  if (op == "and") {
    Value a = eval(*e.items[0]);
    return a.truthy() ? eval(*e.items[1]) : a;
  }
  if (op == "or") {
    Value a = eval(*e.items[0]);
    return a.truthy() ? a : eval(*e.items[1]);
  }
  const Value a = eval(*e.items[0]);
  const Value b = eval(*e.items[1]);
  if (op == "~") return Value(to_str(a) + to_str(b));
  return arithmetic(op, a, b);
}

Value Evaluator::compare(const Expr& e) {
  Value left = eval(*e.items[0]);
  for (std::size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.items[i + 1]);
    const std::string& op = e.ops[i];
    bool r = false;
    if (op == "==") r = left == right;
    else if (op == "!=") r = !(left == right);
    else if (op == "in") r = contains(right, left);
    else if (op == "not in") r = !contains(right, left);
    else {
      if (left.is_undefined()) raise_undefined(left);
      if (right.is_undefined()) raise_undefined(right);
      if (op == "<") r = less(left, right);
      else if (op == ">") r = less(right, left);
      else if (op == "<=") r = !less(right, left);
      else r = !less(left, right);
    }
    if (!r) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Value Evaluator::eval(const Expr& e) {
  try {
    switch (e.kind) {
      case Expr::Kind::kLiteral: return e.value;
      case Expr::Kind::kName: return lookup(e.name);
      case Expr::Kind::kList:
      case Expr::Kind::kTuple: {
        std::vector<Value> items;
        for (const ExprPtr& i : e.items) items.push_back(eval(*i));
        return Value::list(std::move(items), e.kind == Expr::Kind::kTuple);
      }
      case Expr::Kind::kDict: {
        auto d = std::make_shared<DictData>();
        for (std::size_t i = 0; i + 1 < e.items.size(); i += 2) {
          Value k = eval(*e.items[i]);
          if (!k.is_string()) raise(fmt::format("dict keys must be strings in chat templates, not '{}'", k.type_name()));
          d->set(k.as_string(), eval(*e.items[i + 1]));
        }
        return Value(DictPtr(std::move(d)));
      }
      case Expr::Kind::kAttribute: return get_attribute(eval(*e.items[0]), e.name);
      case Expr::Kind::kItem: return get_item(eval(*e.items[0]), eval(*e.items[1]));
      case Expr::Kind::kSlice: {
        const Value obj = eval(*e.items[0]);
        if (obj.is_undefined()) raise_undefined(obj);
        const Value start = e.items[1] ? eval(*e.items[1]) : Value();
        const Value stop = e.items[2] ? eval(*e.items[2]) : Value();
        const Value step = e.items[3] ? eval(*e.items[3]) : Value();
        if (obj.is_list()) {
          const auto& items = obj.as_list().items;
          std::vector<Value> out;
          for (std::size_t i : slice_indices(items.size(), start, stop, step)) out.push_back(items[i]);
          return Value::list(std::move(out), obj.as_list().tuple);
        }
        if (obj.is_string()) {
          const auto cps = code_points(obj.as_string());
          std::string out;
          for (std::size_t i : slice_indices(cps.size(), start, stop, step)) out += from_code_points(cps, i, i + 1);
          return Value(std::move(out));
        }
        raise(fmt::format("'{}' object is not subscriptable", obj.type_name()));
      }
      case Expr::Kind::kCall: {
        const Value callee = eval(*e.items[0]);
        return call_depth_guarded(callee, eval_args(e, 1));
      }
      case Expr::Kind::kFilter: {
        const Value input = eval(*e.items[0]);
        return filter(e.name, input, eval_args(e, 1));
      }
      case Expr::Kind::kTest: {
        const Value input = eval(*e.items[0]);
        return Value(test(e.name, input, eval_args(e, 1)) != e.negated);
      }
      case Expr::Kind::kUnary: {
        const Value v = eval(*e.items[0]);
        if (e.name == "not") return Value(!v.truthy());
        if (v.is_undefined()) raise_undefined(v);
        if (!v.is_number()) raise(fmt::format("bad operand type for unary {}: '{}'", e.name, v.type_name()));
        if (e.name == "+") return v.is_bool() ? Value(v.as_int()) : v;
        if (v.is_float()) return Value(-v.as_double());
        if (v.as_int() == INT64_MIN) raise("integer overflow (the value is beyond 64 bits)");
        return Value(-v.as_int());
      }
      case Expr::Kind::kBinary: return binary(e);
      case Expr::Kind::kCompare: return compare(e);
      case Expr::Kind::kCondition:
        if (eval(*e.items[0]).truthy()) return eval(*e.items[1]);
        return e.items[2] ? eval(*e.items[2]) : undefined("the condition was false and there is no 'else'");
      case Expr::Kind::kBlockText: return Value(block_text_.empty() ? std::string() : block_text_.back());
    }
  } catch (TemplateError& err) {
    if (!err.located) {
      err.message += fmt::format(" ({})", describe_position(source_, e.offset));
      err.located = true;
    }
    throw;
  }
  return Value();
}

}  // namespace npu::genai::jinja
