#include "value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "../utf8.hpp"

namespace npu::genai::jinja {

void raise(std::string message) { throw TemplateError{std::move(message)}; }

const Value* DictData::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return &v;
  }
  return nullptr;
}

void DictData::set(std::string key, Value value) {
  for (auto& [k, v] : items) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

const Value* CallArgs::get(std::size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

void CallArgs::check(std::string_view function, std::size_t max_positional,
                     std::initializer_list<std::string_view> names) const {
  if (positional.size() > max_positional) {
    raise(fmt::format("{}() takes at most {} positional argument(s), {} given", function,
                      max_positional, positional.size()));
  }
  for (const auto& [k, v] : keyword) {
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      raise(fmt::format("{}() got an unexpected keyword argument '{}'", function, k));
    }
  }
}

Value Value::list(std::vector<Value> items, bool tuple) {
  auto l = std::make_shared<ListData>();
  l->items = std::move(items);
  l->tuple = tuple;
  return Value(ListPtr(std::move(l)));
}

Value Value::dict(std::vector<std::pair<std::string, Value>> items) {
  auto d = std::make_shared<DictData>();
  d->items = std::move(items);
  return Value(DictPtr(std::move(d)));
}

Value Value::function(std::string name, std::function<Value(const CallArgs&, Evaluator&)> call) {
  return Value(FunctionPtr(std::make_shared<const Function>(Function{std::move(name), std::move(call)})));
}

Value Value::from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value(None{});
    case nlohmann::json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return Value(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<std::int64_t>(u));
    }
    case nlohmann::json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<std::string, Value>> items;
      items.reserve(j.size());
      for (const auto& [k, v] : j.items()) items.emplace_back(k, from_json(v));
      return dict(std::move(items));
    }
    default: return Value(None{});
  }
}

bool Value::truthy() const {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, None>) return false;
        else if constexpr (std::is_same_v<T, bool>) return x;
        else if constexpr (std::is_same_v<T, std::int64_t>) return x != 0;
        else if constexpr (std::is_same_v<T, double>) return x != 0.0;
        else if constexpr (std::is_same_v<T, std::string>) return !x.empty();
        else if constexpr (std::is_same_v<T, ListPtr>) return !x->items.empty();
        else if constexpr (std::is_same_v<T, DictPtr>) return x->is_namespace || !x->items.empty();
        else return true;
      },
      v_);
}

std::string_view Value::type_name() const {
  if (is_undefined()) return "undefined";
  if (is_none()) return "NoneType";
  if (is_bool()) return "bool";
  if (is_int()) return "int";
  if (is_float()) return "float";
  if (is_string()) return "str";
  if (is_list()) return as_list().tuple ? "tuple" : "list";
  if (is_namespace()) return "Namespace";
  if (is_dict()) return "dict";
  return "function";
}

std::vector<Value> Value::iterate() const {
  if (is_list()) return as_list().items;
  if (is_dict()) {
    std::vector<Value> keys;
    for (const auto& [k, v] : as_dict().items) keys.emplace_back(k);
    return keys;
  }
  if (is_string()) {
    std::vector<Value> chars;
    const std::string& s = as_string();
    for (std::size_t pos = 0; pos < s.size();) {
      const std::size_t start = pos;
      (void)utf8::next(s, pos);
      chars.emplace_back(s.substr(start, pos - start));
    }
    return chars;
  }
  if (is_undefined()) return {};
  raise(fmt::format("'{}' object is not iterable", type_name()));
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.v_.index() != b.v_.index()) return false;
  if (a.is_undefined() || a.is_none()) return true;
  if (a.is_string()) return a.as_string() == b.as_string();
  if (a.is_list()) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    return x.tuple == y.tuple && x.items == y.items;
  }
  if (a.is_dict() || a.is_namespace()) {
    if (std::get<DictPtr>(a.v_) == std::get<DictPtr>(b.v_)) return true;
    if (a.is_namespace() || b.is_namespace()) return false;
    const auto& x = a.as_dict();
    const auto& y = b.as_dict();
    if (x.items.size() != y.items.size()) return false;
    for (const auto& [k, v] : x.items) {
      const Value* other = y.find(k);
      if (other == nullptr || !(*other == v)) return false;
    }
    return true;
  }
  return std::get<FunctionPtr>(a.v_) == std::get<FunctionPtr>(b.v_);
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0.0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string sci(buf, r.ptr);  // "-1.2345e+02": shortest digits that round-trip
  const std::size_t e = sci.find('e');
  const bool negative = sci[0] == '-';
  std::string digits;
  for (std::size_t i = negative ? 1 : 0; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  const int exp10 = std::stoi(sci.substr(e + 1));
  std::string out = negative ? "-" : "";
  if (exp10 >= -4 && exp10 < 16) {  // Python's repr switches to exponent form outside this range
    if (exp10 >= 0) {
      const std::size_t int_digits = static_cast<std::size_t>(exp10) + 1;
      if (digits.size() <= int_digits) {
        out += digits + std::string(int_digits - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_digits) + "." + digits.substr(int_digits);
      }
    } else {
      out += "0." + std::string(static_cast<std::size_t>(-exp10 - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  out += fmt::format("e{}{:02d}", exp10 < 0 ? '-' : '+', std::abs(exp10));
  return out;
}

namespace {

// Python's str.isprintable() for one code point, close enough for repr(): control characters,
// separators other than the space, format characters, surrogates and private use are escaped.
bool printable(std::uint32_t c) {
  if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad) return false;
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f)) return false;
  if ((c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff) return false;
  if ((c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff9 && c <= 0xfffb)) return false;
  return c <= 0x10ffff;
}

std::string string_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t start = pos;
    const std::uint32_t c = utf8::next(s, pos);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (!printable(c)) {
      out += c < 0x100 ? fmt::format("\\x{:02x}", c)
                       : c < 0x10000 ? fmt::format("\\u{:04x}", c) : fmt::format("\\U{:08x}", c);
    } else {
      out.append(s, start, pos - start);
    }
  }
  out += quote;
  return out;
}

}  // namespace

std::string repr(const Value& v) {
  if (v.is_string()) return string_repr(v.as_string());
  if (v.is_list()) {
    const auto& l = v.as_list();
    std::string out = l.tuple ? "(" : "[";
    for (std::size_t i = 0; i < l.items.size(); ++i) {
      if (i > 0) out += ", ";
      out += repr(l.items[i]);
    }
    if (l.tuple && l.items.size() == 1) out += ",";
    return out + (l.tuple ? ")" : "]");
  }
  if (v.is_dict() || v.is_namespace()) {
    std::string out = v.is_namespace() ? "<Namespace {" : "{";
    bool first = true;
    for (const auto& [k, x] : v.as_dict().items) {
      if (!first) out += ", ";
      first = false;
      out += string_repr(k) + ": " + repr(x);
    }
    return out + (v.is_namespace() ? "}>" : "}");
  }
  if (v.is_undefined()) return "Undefined";
  return to_str(v);
}

std::string to_str(const Value& v) {
  if (v.is_undefined()) return "";
  if (v.is_none()) return "None";
  if (v.is_bool()) return v.as_bool() ? "True" : "False";
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_float()) return float_repr(v.as_double());
  if (v.is_string()) return v.as_string();
  if (v.is_function()) return fmt::format("<function {}>", v.as_function().name);
  return repr(v);
}

bool less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();  // UTF-8: code point order
  if (a.is_list() && b.is_list()) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!(x[i] == y[i])) return less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  raise(fmt::format("'<' not supported between instances of '{}' and '{}'", a.type_name(), b.type_name()));
}

namespace {

void json_string(const std::string& s, bool ensure_ascii, std::string& out) {
  out += '"';
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t start = pos;
    const std::uint32_t c = utf8::next(s, pos);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || (ensure_ascii && c >= 0x7f)) {
          if (c >= 0x10000) {  // a surrogate pair, as Python writes it
            const std::uint32_t v = c - 0x10000;
            out += fmt::format("\\u{:04x}\\u{:04x}", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
          } else {
            out += fmt::format("\\u{:04x}", c);
          }
        } else {
          out.append(s, start, pos - start);
        }
    }
  }
  out += '"';
}

void json_value(const Value& v, const JsonOptions& o, int depth, std::string& out) {
  const auto newline = [&](int level) {
    out += '\n';
    for (int i = 0; i < level; ++i) out += *o.indent;
  };
  if (v.is_none()) {
    out += "null";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
  } else if (v.is_int()) {
    out += std::to_string(v.as_int());
  } else if (v.is_float()) {
    const double d = v.as_double();
    out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : float_repr(d);
  } else if (v.is_string()) {
    json_string(v.as_string(), o.ensure_ascii, out);
  } else if (v.is_list()) {
    const auto& items = v.as_list().items;
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += o.item_separator;
      if (o.indent) newline(depth + 1);
      json_value(items[i], o, depth + 1, out);
    }
    if (o.indent && !items.empty()) newline(depth);
    out += ']';
  } else if (v.is_dict()) {
    std::vector<const std::pair<std::string, Value>*> items;
    for (const auto& item : v.as_dict().items) items.push_back(&item);
    if (o.sort_keys) {
      std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
    }
    out += '{';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += o.item_separator;
      if (o.indent) newline(depth + 1);
      json_string(items[i]->first, o.ensure_ascii, out);
      out += o.key_separator;
      json_value(items[i]->second, o, depth + 1, out);
    }
    if (o.indent && !items.empty()) newline(depth);
    out += '}';
  } else {
    raise(fmt::format("Object of type {} is not JSON serializable",
                      v.is_undefined() ? std::string("Undefined") : std::string(v.type_name())));
  }
}

}  // namespace

std::string to_json(const Value& v, const JsonOptions& options) {
  std::string out;
  json_value(v, options, 0, out);
  return out;
}

bool is_python_space(std::uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

std::vector<std::uint32_t> code_points(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t pos = 0; pos < s.size();) out.push_back(utf8::next(s, pos));
  return out;
}

std::string from_code_points(const std::vector<std::uint32_t>& cps, std::size_t begin, std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end && i < cps.size(); ++i) utf8::append(out, cps[i]);
  return out;
}

}  // namespace npu::genai::jinja
