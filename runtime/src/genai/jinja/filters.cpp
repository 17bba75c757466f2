// Jinja's built-in filters that chat templates use, plus Hugging Face's `tojson` (json.dumps with
// ensure_ascii=False, and its ensure_ascii / indent / separators / sort_keys options).
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "evaluator.hpp"
#include "filters.hpp"

namespace npu::genai::jinja {
namespace {

using Filter = Value (*)(Evaluator&, const Value&, const CallArgs&);

Value arg_or(const CallArgs& a, std::size_t i, std::string_view name, const Value& dflt) {
  const Value* v = a.get(i, name);
  return v != nullptr ? *v : dflt;
}

// Jinja's attribute getter for selectattr/map/sort/...: "a.b.0" walks items, then attributes.
Value attribute_path(Evaluator& ev, const Value& item, const std::string& path) {
  Value v = item;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    v = ev.get_item(v, numeric ? Value(static_cast<std::int64_t>(std::stoll(part))) : Value(part));
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

std::vector<Value> sequence(const Value& v) { return v.iterate(); }

// The key sort/unique/min/max compare by: the attribute if given, lower-cased unless case_sensitive.
Value sort_key(Evaluator& ev, const Value& item, const Value& attribute, bool case_sensitive) {
  Value k = attribute.is_undefined() || attribute.is_none() ? item : attribute_path(ev, item, to_str(attribute));
  if (!case_sensitive && k.is_string()) return Value(py_lower(k.as_string()));
  return k;
}

Value f_default(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("default", 2, {"default_value", "boolean"});
  const Value dflt = arg_or(a, 0, "default_value", Value(""));
  const bool boolean = arg_or(a, 1, "boolean", Value(false)).truthy();
  if (v.is_undefined() || (boolean && !v.truthy())) return dflt;
  return v;
}

Value f_length(Evaluator&, const Value& v, const CallArgs&) {
  if (v.is_string()) return Value(static_cast<std::int64_t>(code_points(v.as_string()).size()));
  if (v.is_list()) return Value(static_cast<std::int64_t>(v.as_list().items.size()));
  if (v.is_dict()) return Value(static_cast<std::int64_t>(v.as_dict().items.size()));
  if (v.is_undefined()) return Value(0);
  raise(fmt::format("object of type '{}' has no len()", v.type_name()));
}

Value f_trim(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("trim", 1, {"chars"});
  return Value(py_strip(to_str(v), true, true, arg_or(a, 0, "chars", Value())));
}

Value f_string(Evaluator&, const Value& v, const CallArgs&) { return Value(to_str(v)); }
Value f_upper(Evaluator&, const Value& v, const CallArgs&) { return Value(py_upper(to_str(v))); }
Value f_lower(Evaluator&, const Value& v, const CallArgs&) { return Value(py_lower(to_str(v))); }

Value f_capitalize(Evaluator&, const Value& v, const CallArgs&) {
  const auto cps = code_points(to_str(v));
  if (cps.empty()) return Value("");
  return Value(py_upper(from_code_points(cps, 0, 1)) + py_lower(from_code_points(cps, 1, cps.size())));
}

Value f_title(Evaluator&, const Value& v, const CallArgs&) {
  // Jinja's title: each piece between runs of "-", whitespace, "(", "{", "[", "<" starts upper-case.
  const auto cps = code_points(to_str(v));
  std::string out;
  bool word_start = true;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const std::uint32_t c = cps[i];
    const bool separator = is_python_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    const std::string ch = from_code_points(cps, i, i + 1);
    out += word_start ? py_upper(ch) : py_lower(ch);
    word_start = separator;
  }
  return Value(std::move(out));
}

Value f_replace(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("replace", 3, {"old", "new", "count"});
  const Value* old = a.get(0, "old");
  const Value* with = a.get(1, "new");
  if (old == nullptr || with == nullptr) raise("replace() needs the old and the new text");
  const Value count = arg_or(a, 2, "count", Value(None{}));
  return Value(py_replace(to_str(v), to_str(*old), to_str(*with), count.is_none() ? -1 : count.as_int()));
}

Value f_tojson(Evaluator&, const Value& v, const CallArgs& a) {
  // Hugging Face's signature: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
  a.check("tojson", 4, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonOptions o;
  o.ensure_ascii = arg_or(a, 0, "ensure_ascii", Value(false)).truthy();
  const Value indent = arg_or(a, 1, "indent", Value(None{}));
  if (indent.is_int() || indent.is_bool()) o.indent = std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, indent.as_int())), ' ');
  else if (indent.is_string()) o.indent = indent.as_string();
  else if (!indent.is_none() && !indent.is_undefined()) raise("tojson: indent must be an integer, a string or None");
  if (o.indent) o.item_separator = ",";
  const Value separators = arg_or(a, 2, "separators", Value(None{}));
  if (separators.is_list()) {
    const auto& s = separators.as_list().items;
    if (s.size() != 2 || !s[0].is_string() || !s[1].is_string()) raise("tojson: separators must be a pair of strings");
    o.item_separator = s[0].as_string();
    o.key_separator = s[1].as_string();
  } else if (!separators.is_none() && !separators.is_undefined()) {
    raise("tojson: separators must be a pair of strings or None");
  }
  o.sort_keys = arg_or(a, 3, "sort_keys", Value(false)).truthy();
  return Value(to_json(v, o));
}

Value f_items(Evaluator&, const Value& v, const CallArgs&) {
  if (v.is_undefined()) return Value::list({});
  if (!v.is_dict()) raise(fmt::format("items: can only get item pairs from a mapping, not '{}'", v.type_name()));
  std::vector<Value> out;
  for (const auto& [k, x] : v.as_dict().items) out.push_back(Value::list({Value(k), x}, true));
  return Value::list(std::move(out));
}

Value f_list(Evaluator&, const Value& v, const CallArgs&) { return Value::list(sequence(v)); }

Value f_first(Evaluator&, const Value& v, const CallArgs&) {
  auto items = sequence(v);
  if (items.empty()) return Value(Undefined{"No first item, sequence was empty."});
  return items.front();
}

Value f_last(Evaluator&, const Value& v, const CallArgs&) {
  auto items = sequence(v);
  if (items.empty()) return Value(Undefined{"No last item, sequence was empty."});
  return items.back();
}

Value f_reverse(Evaluator&, const Value& v, const CallArgs&) {
  if (v.is_string()) {
    auto cps = code_points(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value(from_code_points(cps, 0, cps.size()));
  }
  auto items = sequence(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value f_join(Evaluator& ev, const Value& v, const CallArgs& a) {
  a.check("join", 2, {"d", "attribute"});
  const std::string sep = to_str(arg_or(a, 0, "d", Value("")));
  const Value attribute = arg_or(a, 1, "attribute", Value(None{}));
  std::string out;
  bool first = true;
  for (const Value& item : sequence(v)) {
    if (!first) out += sep;
    first = false;
    out += to_str(attribute.is_none() ? item : attribute_path(ev, item, to_str(attribute)));
  }
  return Value(std::move(out));
}

// select / reject / selectattr / rejectattr: keep items whose (attribute's) test result is `keep`.
Value select_items(Evaluator& ev, const Value& v, const CallArgs& a, bool by_attribute, bool keep) {
  std::size_t first = 0;
  std::string attribute;
  if (by_attribute) {
    if (a.positional.empty()) raise("selectattr/rejectattr need an attribute name");
    attribute = to_str(a.positional[0]);
    first = 1;
  }
  std::string test_name;
  CallArgs test_args;
  if (a.positional.size() > first) {
    test_name = to_str(a.positional[first]);
    test_args.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(first) + 1, a.positional.end());
    test_args.keyword = a.keyword;
  }
  std::vector<Value> out;
  for (const Value& item : sequence(v)) {
    const Value subject = by_attribute ? attribute_path(ev, item, attribute) : item;
    const bool passed = test_name.empty() ? subject.truthy() : ev.test(test_name, subject, test_args);
    if (passed == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value f_select(Evaluator& ev, const Value& v, const CallArgs& a) { return select_items(ev, v, a, false, true); }
Value f_reject(Evaluator& ev, const Value& v, const CallArgs& a) { return select_items(ev, v, a, false, false); }
Value f_selectattr(Evaluator& ev, const Value& v, const CallArgs& a) { return select_items(ev, v, a, true, true); }
Value f_rejectattr(Evaluator& ev, const Value& v, const CallArgs& a) { return select_items(ev, v, a, true, false); }

Value f_map(Evaluator& ev, const Value& v, const CallArgs& a) {
  std::vector<Value> out;
  const Value* attribute = a.get(SIZE_MAX, "attribute");
  if (attribute != nullptr) {
    const Value* dflt = a.get(SIZE_MAX, "default");
    for (const Value& item : sequence(v)) {
      Value x = attribute_path(ev, item, to_str(*attribute));
      out.push_back(x.is_undefined() && dflt != nullptr ? *dflt : x);
    }
    return Value::list(std::move(out));
  }
  if (a.positional.empty()) raise("map() needs a filter name or attribute=...");
  const std::string filter = to_str(a.positional[0]);
  CallArgs rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.keyword = a.keyword;
  for (const Value& item : sequence(v)) out.push_back(ev.filter(filter, item, rest));
  return Value::list(std::move(out));
}

Value f_sort(Evaluator& ev, const Value& v, const CallArgs& a) {
  a.check("sort", 3, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = arg_or(a, 0, "reverse", Value(false)).truthy();
  const bool case_sensitive = arg_or(a, 1, "case_sensitive", Value(false)).truthy();
  const Value attribute = arg_or(a, 2, "attribute", Value(None{}));
  auto items = sequence(v);
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) keyed.emplace_back(sort_key(ev, item, attribute, case_sensitive), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? less(y.first, x.first) : less(x.first, y.first);
  });
  std::vector<Value> out;
  for (auto& [k, item] : keyed) out.push_back(std::move(item));
  return Value::list(std::move(out));
}

Value f_dictsort(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("dictsort", 3, {"case_sensitive", "by", "reverse"});
  if (!v.is_dict()) raise("dictsort: a dict is required");
  const bool case_sensitive = arg_or(a, 0, "case_sensitive", Value(false)).truthy();
  const std::string by = to_str(arg_or(a, 1, "by", Value("key")));
  if (by != "key" && by != "value") raise("dictsort: 'by' must be 'key' or 'value'");
  const bool reverse = arg_or(a, 2, "reverse", Value(false)).truthy();
  std::vector<Value> pairs;
  for (const auto& [k, x] : v.as_dict().items) pairs.push_back(Value::list({Value(k), x}, true));
  const std::size_t index = by == "key" ? 0 : 1;
  auto key = [&](const Value& p) {
    const Value& k = p.as_list().items[index];
    return !case_sensitive && k.is_string() ? Value(py_lower(k.as_string())) : k;
  };
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    return reverse ? less(key(y), key(x)) : less(key(x), key(y));
  });
  return Value::list(std::move(pairs));
}

Value f_unique(Evaluator& ev, const Value& v, const CallArgs& a) {
  a.check("unique", 2, {"case_sensitive", "attribute"});
  const bool case_sensitive = arg_or(a, 0, "case_sensitive", Value(false)).truthy();
  const Value attribute = arg_or(a, 1, "attribute", Value(None{}));
  std::vector<Value> out, seen;
  for (const Value& item : sequence(v)) {
    Value k = sort_key(ev, item, attribute, case_sensitive);
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
    seen.push_back(std::move(k));
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value min_max(Evaluator& ev, const Value& v, const CallArgs& a, bool want_max) {
  a.check(want_max ? "max" : "min", 2, {"case_sensitive", "attribute"});
  const bool case_sensitive = arg_or(a, 0, "case_sensitive", Value(false)).truthy();
  const Value attribute = arg_or(a, 1, "attribute", Value(None{}));
  const auto items = sequence(v);
  if (items.empty()) return Value(Undefined{"No aggregated item, sequence was empty."});
  std::size_t best = 0;
  for (std::size_t i = 1; i < items.size(); ++i) {
    const Value x = sort_key(ev, items[i], attribute, case_sensitive);
    const Value b = sort_key(ev, items[best], attribute, case_sensitive);
    if (want_max ? less(b, x) : less(x, b)) best = i;
  }
  return items[best];
}
Value f_max(Evaluator& ev, const Value& v, const CallArgs& a) { return min_max(ev, v, a, true); }
Value f_min(Evaluator& ev, const Value& v, const CallArgs& a) { return min_max(ev, v, a, false); }

Value f_sum(Evaluator& ev, const Value& v, const CallArgs& a) {
  a.check("sum", 2, {"attribute", "start"});
  const Value attribute = arg_or(a, 0, "attribute", Value(None{}));
  Value total = arg_or(a, 1, "start", Value(0));
  for (const Value& item : sequence(v)) {
    const Value x = attribute.is_none() ? item : attribute_path(ev, item, to_str(attribute));
    if (!x.is_number() || !total.is_number()) raise(fmt::format("sum: cannot add '{}'", x.type_name()));
    total = total.is_float() || x.is_float() ? Value(total.as_double() + x.as_double()) : Value(total.as_int() + x.as_int());
  }
  return total;
}

Value f_abs(Evaluator&, const Value& v, const CallArgs&) {
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  if (v.is_number()) return Value(std::abs(v.as_int()));
  raise(fmt::format("bad operand type for abs(): '{}'", v.type_name()));
}

Value f_int(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("int", 2, {"default", "base"});
  const Value dflt = arg_or(a, 0, "default", Value(0));
  const int base = static_cast<int>(arg_or(a, 1, "base", Value(10)).as_int());
  if (v.is_float()) return std::isfinite(v.as_double()) ? Value(static_cast<std::int64_t>(std::trunc(v.as_double()))) : dflt;
  if (v.is_number()) return Value(v.as_int());
  if (v.is_string()) {
    const std::string s = py_strip(v.as_string(), true, true);
    try {
      std::size_t used = 0;
      const long long x = std::stoll(s, &used, base);
      if (used == s.size()) return Value(static_cast<std::int64_t>(x));
      const double d = std::stod(s, &used);
      if (used == s.size()) return Value(static_cast<std::int64_t>(std::trunc(d)));
    } catch (const std::exception&) {
    }
  }
  return dflt;
}

Value f_float(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("float", 1, {"default"});
  const Value dflt = arg_or(a, 0, "default", Value(0.0));
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    const std::string s = py_strip(v.as_string(), true, true);
    try {
      std::size_t used = 0;
      const double d = std::stod(s, &used);
      if (used == s.size()) return Value(d);
    } catch (const std::exception&) {
    }
  }
  return dflt;
}

Value f_round(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("round", 2, {"precision", "method"});
  const auto precision = arg_or(a, 0, "precision", Value(0)).as_int();
  const std::string method = to_str(arg_or(a, 1, "method", Value("common")));
  if (!v.is_number()) raise(fmt::format("round: a number is required, not '{}'", v.type_name()));
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_double() * scale;
  double r = 0;
  if (method == "common") r = std::round(x);
  else if (method == "ceil") r = std::ceil(x);
  else if (method == "floor") r = std::floor(x);
  else raise("round: method must be 'common', 'ceil' or 'floor'");
  return Value(r / scale);
}

Value f_escape(Evaluator&, const Value& v, const CallArgs&) {
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(std::move(out));
}

Value f_safe(Evaluator&, const Value& v, const CallArgs&) { return v; }

Value f_attr(Evaluator& ev, const Value& v, const CallArgs& a) {
  if (a.positional.size() != 1) raise("attr() takes one attribute name");
  return ev.get_attribute(v, to_str(a.positional[0]));
}

Value f_format(Evaluator&, const Value& v, const CallArgs& a) {
  if (!a.keyword.empty()) {
    if (!a.positional.empty()) raise("format: positional and keyword arguments cannot be mixed");
    std::vector<std::pair<std::string, Value>> items(a.keyword.begin(), a.keyword.end());
    return Value(py_percent_format(to_str(v), Value::dict(std::move(items))));
  }
  return Value(py_percent_format(to_str(v), Value::list(a.positional, true)));
}

Value f_indent(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("indent", 3, {"width", "first", "blank"});
  const Value width = arg_or(a, 0, "width", Value(4));
  const std::string pad = width.is_string() ? width.as_string() : std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, width.as_int())), ' ');
  const bool first = arg_or(a, 1, "first", Value(false)).truthy();
  const bool blank = arg_or(a, 2, "blank", Value(false)).truthy();
  std::vector<std::string> lines;
  const std::string s = to_str(v);
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t nl = s.find_first_of("\r\n", start);
    if (nl == std::string::npos) nl = s.size();
    lines.push_back(s.substr(start, nl - start));
    if (nl < s.size() && s[nl] == '\r' && nl + 1 < s.size() && s[nl + 1] == '\n') ++nl;
    start = nl + 1;
  }
  if (lines.empty()) lines.emplace_back();
  std::string out = lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i) {
    out += "\n";
    if (blank || !lines[i].empty()) out += pad;
    out += lines[i];
  }
  if (first && (blank || !out.empty() || lines.size() > 1)) out = pad + out;
  return Value(std::move(out));
}

Value f_wordcount(Evaluator&, const Value& v, const CallArgs&) {
  std::int64_t words = 0;
  bool in_word = false;
  for (std::uint32_t c : code_points(to_str(v))) {
    const bool word_char = c == '_' || (c < 0x80 ? std::isalnum(static_cast<int>(c)) != 0 : !is_python_space(c));
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value(words);
}

Value f_center(Evaluator&, const Value& v, const CallArgs& a) {
  a.check("center", 1, {"width"});
  const auto width = static_cast<std::size_t>(std::max<std::int64_t>(0, arg_or(a, 0, "width", Value(80)).as_int()));
  const std::string s = to_str(v);
  const std::size_t n = code_points(s).size();
  if (n >= width) return Value(s);
  const std::size_t total = width - n;
  const std::size_t left = total / 2 + (total & width & 1);  // Python's str.center
  return Value(std::string(left, ' ') + s + std::string(total - left, ' '));
}

const std::map<std::string, Filter, std::less<>>& filters() {
  static const std::map<std::string, Filter, std::less<>> table = {
      {"abs", f_abs}, {"attr", f_attr}, {"capitalize", f_capitalize}, {"center", f_center},
      {"count", f_length}, {"d", f_default}, {"default", f_default}, {"dictsort", f_dictsort},
      {"e", f_escape}, {"escape", f_escape}, {"first", f_first}, {"float", f_float},
      {"format", f_format}, {"indent", f_indent}, {"int", f_int}, {"items", f_items},
      {"join", f_join}, {"last", f_last}, {"length", f_length}, {"list", f_list},
      {"lower", f_lower}, {"map", f_map}, {"max", f_max}, {"min", f_min}, {"reject", f_reject},
      {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse},
      {"round", f_round}, {"safe", f_safe}, {"select", f_select}, {"selectattr", f_selectattr},
      {"sort", f_sort}, {"string", f_string}, {"sum", f_sum}, {"title", f_title},
      {"tojson", f_tojson}, {"trim", f_trim}, {"unique", f_unique}, {"upper", f_upper},
      {"wordcount", f_wordcount}};
  return table;
}

}  // namespace

bool has_filter(std::string_view name) { return filters().contains(name); }

Value apply_filter(Evaluator& ev, std::string_view name, const Value& input, const CallArgs& args) {
  const auto it = filters().find(name);
  if (it == filters().end()) raise(fmt::format("unknown filter '{}'", name));
  return it->second(ev, input, args);
}

}  // namespace npu::genai::jinja
