// The values a Jinja template computes with, with Python's semantics (Jinja runs on Python):
// None, bool, int, float, str (UTF-8, indexed by code point), list, tuple, dict (insertion order),
// namespace() and callables (filters' helpers, macros, bound methods). Lists and dicts are
// immutable once built (chat templates run sandboxed: Hugging Face renders them in Jinja's
// ImmutableSandboxedEnvironment); a namespace is the one mutable object.
// Private to the genai sources.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace npu::genai::jinja {

class Value;
class Evaluator;

// A failure while parsing or rendering; caught at the template's public boundary and turned into
// an npu::Error there.
struct TemplateError {
  std::string message;
  bool located = false;  // the message already says where in the template
};
[[noreturn]] void raise(std::string message);

struct Undefined {
  std::string name;  // what was looked up, for error messages
};
struct None {};

struct ListData {
  std::vector<Value> items;
  bool tuple = false;
};

struct DictData {
  std::vector<std::pair<std::string, Value>> items;
  bool is_namespace = false;
  [[nodiscard]] const Value* find(std::string_view key) const;
  void set(std::string key, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // The argument named `name` at position `index`, or nullopt.
  [[nodiscard]] const Value* get(std::size_t index, std::string_view name) const;
  // Refuses more than `max_positional` positional arguments and keywords outside `names`.
  void check(std::string_view function, std::size_t max_positional,
             std::initializer_list<std::string_view> names) const;
};

struct Function {
  std::string name;
  std::function<Value(const CallArgs&, Evaluator&)> call;
};

using ListPtr = std::shared_ptr<const ListData>;
using DictPtr = std::shared_ptr<DictData>;  // mutable only when is_namespace
using FunctionPtr = std::shared_ptr<const Function>;

class Value {
 public:
  using Storage = std::variant<Undefined, None, bool, std::int64_t, double, std::string, ListPtr,
                               DictPtr, FunctionPtr>;

  Value() : v_(Undefined{}) {}
  Value(None) : v_(None{}) {}
  Value(Undefined u) : v_(std::move(u)) {}
  Value(bool b) : v_(b) {}
  Value(std::int64_t i) : v_(i) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(ListPtr l) : v_(std::move(l)) {}
  Value(DictPtr d) : v_(std::move(d)) {}
  Value(FunctionPtr f) : v_(std::move(f)) {}

  static Value list(std::vector<Value> items, bool tuple = false);
  static Value dict(std::vector<std::pair<std::string, Value>> items);
  static Value function(std::string name, std::function<Value(const CallArgs&, Evaluator&)> call);
  // JSON (messages, tools, the caller's extra variables) -> Value; objects keep their key order.
  static Value from_json(const nlohmann::ordered_json& json);

  [[nodiscard]] bool is_undefined() const { return std::holds_alternative<Undefined>(v_); }
  [[nodiscard]] bool is_none() const { return std::holds_alternative<None>(v_); }
  [[nodiscard]] bool is_bool() const { return std::holds_alternative<bool>(v_); }
  [[nodiscard]] bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  [[nodiscard]] bool is_float() const { return std::holds_alternative<double>(v_); }
  [[nodiscard]] bool is_number() const { return is_int() || is_float() || is_bool(); }
  [[nodiscard]] bool is_string() const { return std::holds_alternative<std::string>(v_); }
  [[nodiscard]] bool is_list() const { return std::holds_alternative<ListPtr>(v_); }  // list or tuple
  [[nodiscard]] bool is_dict() const {
    return std::holds_alternative<DictPtr>(v_) && !std::get<DictPtr>(v_)->is_namespace;
  }
  [[nodiscard]] bool is_namespace() const {
    return std::holds_alternative<DictPtr>(v_) && std::get<DictPtr>(v_)->is_namespace;
  }
  [[nodiscard]] bool is_function() const { return std::holds_alternative<FunctionPtr>(v_); }

  [[nodiscard]] bool as_bool() const { return std::get<bool>(v_); }
  [[nodiscard]] std::int64_t as_int() const {  // int or bool
    return is_bool() ? static_cast<std::int64_t>(as_bool()) : std::get<std::int64_t>(v_);
  }
  [[nodiscard]] double as_double() const {  // any number
    return is_float() ? std::get<double>(v_) : static_cast<double>(as_int());
  }
  [[nodiscard]] const std::string& as_string() const { return std::get<std::string>(v_); }
  [[nodiscard]] const ListData& as_list() const { return *std::get<ListPtr>(v_); }
  [[nodiscard]] const DictData& as_dict() const { return *std::get<DictPtr>(v_); }
  [[nodiscard]] DictData& namespace_data() const { return *std::get<DictPtr>(v_); }
  [[nodiscard]] const Function& as_function() const { return *std::get<FunctionPtr>(v_); }
  [[nodiscard]] const Undefined& as_undefined() const { return std::get<Undefined>(v_); }

  // Python's bool(x).
  [[nodiscard]] bool truthy() const;
  // Python's type name: "str", "int", "list", "dict", "NoneType", "undefined", ...
  [[nodiscard]] std::string_view type_name() const;
  // The elements `for x in value` visits: a list's items, a dict's keys, a string's characters.
  [[nodiscard]] std::vector<Value> iterate() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  Storage v_;
};

// Python's str() (what {{ x }} prints; undefined prints nothing) and repr().
[[nodiscard]] std::string to_str(const Value& v);
[[nodiscard]] std::string repr(const Value& v);
// Python's repr() of a float ("1.0", "1e-05", "inf").
[[nodiscard]] std::string float_repr(double d);

// Python's a < b for numbers, strings and sequences; raises for other types.
[[nodiscard]] bool less(const Value& a, const Value& b);

struct JsonOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // per level; nullopt: one line
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
};
// Python's json.dumps (what `tojson` does in Hugging Face's chat-template environment).
[[nodiscard]] std::string to_json(const Value& v, const JsonOptions& options = {});

// Python's str.isspace() for one code point (what str.strip() and `trim` remove).
[[nodiscard]] bool is_python_space(std::uint32_t code_point);
// Code points <-> UTF-8, for indexing, slicing and len() by character as Python does.
[[nodiscard]] std::vector<std::uint32_t> code_points(std::string_view s);
[[nodiscard]] std::string from_code_points(const std::vector<std::uint32_t>& cps, std::size_t begin,
                                           std::size_t end);

}  // namespace npu::genai::jinja
