// Jinja's built-in tests (`x is string`, `x is not none`, `x is divisibleby 3`, ...).
#include <map>

#include <fmt/format.h>

#include "evaluator.hpp"
#include "filters.hpp"

namespace npu::genai::jinja {
namespace {

using Test = bool (*)(Evaluator&, const Value&, const CallArgs&);

const Value& operand(const CallArgs& a, std::string_view test) {
  if (a.positional.empty()) raise(fmt::format("test '{}' needs a value to compare with", test));
  return a.positional[0];
}

bool t_defined(Evaluator&, const Value& v, const CallArgs&) { return !v.is_undefined(); }
bool t_undefined(Evaluator&, const Value& v, const CallArgs&) { return v.is_undefined(); }
bool t_none(Evaluator&, const Value& v, const CallArgs&) { return v.is_none(); }
bool t_boolean(Evaluator&, const Value& v, const CallArgs&) { return v.is_bool(); }
bool t_true(Evaluator&, const Value& v, const CallArgs&) { return v.is_bool() && v.as_bool(); }
bool t_false(Evaluator&, const Value& v, const CallArgs&) { return v.is_bool() && !v.as_bool(); }
bool t_integer(Evaluator&, const Value& v, const CallArgs&) { return v.is_int(); }
bool t_float(Evaluator&, const Value& v, const CallArgs&) { return v.is_float(); }
bool t_number(Evaluator&, const Value& v, const CallArgs&) { return v.is_number(); }
bool t_string(Evaluator&, const Value& v, const CallArgs&) { return v.is_string(); }
bool t_mapping(Evaluator&, const Value& v, const CallArgs&) { return v.is_dict(); }
bool t_iterable(Evaluator&, const Value& v, const CallArgs&) {
  return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
}
bool t_sequence(Evaluator&, const Value& v, const CallArgs&) {
  return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
}
bool t_callable(Evaluator&, const Value& v, const CallArgs&) { return v.is_function(); }
bool t_eq(Evaluator&, const Value& v, const CallArgs& a) { return v == operand(a, "eq"); }
bool t_ne(Evaluator&, const Value& v, const CallArgs& a) { return !(v == operand(a, "ne")); }
bool t_lt(Evaluator&, const Value& v, const CallArgs& a) { return less(v, operand(a, "lt")); }
bool t_gt(Evaluator&, const Value& v, const CallArgs& a) { return less(operand(a, "gt"), v); }
bool t_le(Evaluator&, const Value& v, const CallArgs& a) { return !less(operand(a, "le"), v); }
bool t_ge(Evaluator&, const Value& v, const CallArgs& a) { return !less(v, operand(a, "ge")); }
bool t_sameas(Evaluator&, const Value& v, const CallArgs& a) {
  const Value& o = operand(a, "sameas");
  if (v.is_none() || v.is_bool() || v.is_undefined()) return v.type_name() == o.type_name() && v == o;
  return v == o && v.type_name() == o.type_name();
}
bool t_in(Evaluator&, const Value& v, const CallArgs& a) {
  const Value& seq = operand(a, "in");
  if (seq.is_string()) return v.is_string() && seq.as_string().find(v.as_string()) != std::string::npos;
  if (seq.is_dict()) return v.is_string() && seq.as_dict().find(v.as_string()) != nullptr;
  for (const Value& x : seq.iterate()) {
    if (x == v) return true;
  }
  return false;
}
bool int_of(const Value& v, std::string_view test) {
  if (!v.is_int() && !v.is_bool()) raise(fmt::format("test '{}' needs an integer, not '{}'", test, v.type_name()));
  return true;
}
bool t_odd(Evaluator&, const Value& v, const CallArgs&) { return int_of(v, "odd") && v.as_int() % 2 != 0; }
bool t_even(Evaluator&, const Value& v, const CallArgs&) { return int_of(v, "even") && v.as_int() % 2 == 0; }
bool t_divisibleby(Evaluator&, const Value& v, const CallArgs& a) {
  const Value& d = operand(a, "divisibleby");
  int_of(v, "divisibleby");
  int_of(d, "divisibleby");
  if (d.as_int() == 0) raise("divisibleby 0");
  return v.as_int() % d.as_int() == 0;
}
bool t_lower(Evaluator&, const Value& v, const CallArgs&) {
  const std::string s = to_str(v);
  return py_lower(s) == s && py_upper(s) != s;
}
bool t_upper(Evaluator&, const Value& v, const CallArgs&) {
  const std::string s = to_str(v);
  return py_upper(s) == s && py_lower(s) != s;
}
bool t_escaped(Evaluator&, const Value&, const CallArgs&) { return false; }
bool t_filter(Evaluator&, const Value& v, const CallArgs&) { return v.is_string() && has_filter(v.as_string()); }
bool t_test(Evaluator&, const Value& v, const CallArgs&) { return v.is_string() && has_test(v.as_string()); }

const std::map<std::string, Test, std::less<>>& tests() {
  static const std::map<std::string, Test, std::less<>> table = {
      {"!=", t_ne}, {"<", t_lt}, {"<=", t_le}, {"==", t_eq}, {">", t_gt}, {">=", t_ge},
      {"boolean", t_boolean}, {"callable", t_callable}, {"defined", t_defined},
      {"divisibleby", t_divisibleby}, {"eq", t_eq}, {"equalto", t_eq}, {"escaped", t_escaped},
      {"even", t_even}, {"false", t_false}, {"filter", t_filter}, {"float", t_float}, {"ge", t_ge},
      {"greaterthan", t_gt}, {"gt", t_gt}, {"in", t_in}, {"integer", t_integer},
      {"iterable", t_iterable}, {"le", t_le}, {"lessthan", t_lt}, {"lower", t_lower}, {"lt", t_lt},
      {"mapping", t_mapping}, {"ne", t_ne}, {"none", t_none}, {"number", t_number}, {"odd", t_odd},
      {"sameas", t_sameas}, {"sequence", t_sequence}, {"string", t_string}, {"test", t_test},
      {"true", t_true}, {"undefined", t_undefined}, {"upper", t_upper}};
  return table;
}

}  // namespace

bool has_test(std::string_view name) { return tests().contains(name); }

bool apply_test(Evaluator& ev, std::string_view name, const Value& input, const CallArgs& args) {
  const auto it = tests().find(name);
  if (it == tests().end()) raise(fmt::format("unknown test '{}'", name));
  return it->second(ev, input, args);
}

}  // namespace npu::genai::jinja
