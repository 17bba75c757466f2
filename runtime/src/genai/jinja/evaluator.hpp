// Runs a parsed template: Jinja's semantics as Python's Jinja (the engine Hugging Face renders chat
// templates with) has them: scoping (a {% set %} inside a loop body or macro stays there; namespace()
// carries values out), undefined values (print as nothing, fail when used), loop variables, macros
// and caller(), Python's operators, str() and comparisons. Filters, tests and the methods of str,
// dict and list live in filters.cpp, tests.cpp and methods.cpp.
// Private to the genai sources.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ast.hpp"
#include "value.hpp"

namespace npu::genai::jinja {

struct Limits {
  std::size_t max_output_bytes = std::size_t{64} << 20;
  std::size_t max_iterations = 1'000'000;  // loop iterations and range() items, all together
  int max_call_depth = 100;                 // nested macro calls
};

class Evaluator {
 public:
  Evaluator(std::string_view source, Limits limits = {});

  // Renders `body` with `variables` as the template's context (plus Jinja's and Hugging Face's
  // globals: range, namespace, dict, raise_exception, strftime_now).
  [[nodiscard]] std::string render(const Body& body, const std::vector<std::pair<std::string, Value>>& variables);

  [[nodiscard]] Value eval(const Expr& e);
  // Jinja's obj.name (attribute first, then item) and obj[key] (item first, then attribute).
  [[nodiscard]] Value get_attribute(const Value& obj, std::string_view name);
  [[nodiscard]] Value get_item(const Value& obj, const Value& key);
  [[nodiscard]] Value call(const Value& callee, const CallArgs& args);
  [[nodiscard]] Value filter(std::string_view name, const Value& input, const CallArgs& args);
  [[nodiscard]] bool test(std::string_view name, const Value& input, const CallArgs& args);
  // Counts loop iterations / generated items against the limit.
  void count_iterations(std::size_t n);

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  using Frame = std::unordered_map<std::string, Value>;
  using Scopes = std::vector<std::shared_ptr<Frame>>;
  // What a macro or a call block's `caller` sees of the scopes it was defined in. Weak: a macro is
  // stored in a frame of those very scopes, so holding them would be a reference cycle that leaks
  // every frame of every render that defines a macro. A frame that is gone by the time of the call
  // (a macro that escaped the loop body defining it) is seen empty.
  using ScopesSeen = std::vector<std::weak_ptr<Frame>>;
  static ScopesSeen seen(const Scopes& scopes) { return {scopes.begin(), scopes.end()}; }
  static Scopes restore(const ScopesSeen& seen);

  Flow exec(const Body& body, std::string& out);
  Flow exec(const Stmt& s, std::string& out);
  void exec_for(const Stmt& s, std::string& out);
  void exec_set(const Stmt& s, Value value);
  void assign(const Target& t, Value value, std::size_t offset);
  Value define_macro(const Stmt& s);
  Value render_block(const Body& body);
  void write(std::string& out, std::string_view text) const;

  Value lookup(const std::string& name) const;
  Value call_depth_guarded(const Value& callee, const CallArgs& args);
  Value binary(const Expr& e);
  Value compare(const Expr& e);
  Value call_expr(const Expr& e);
  Value filter_expr(const Expr& e);
  CallArgs eval_args(const Expr& e, std::size_t first);

  std::string_view source_;
  Limits limits_;
  std::size_t iterations_ = 0;
  int call_depth_ = 0;
  Frame globals_;
  Scopes scopes_;
  std::vector<std::string> block_text_;  // the body text of the innermost filter / set block
};

// The filters, tests and methods Evaluator dispatches to (filters.cpp, tests.cpp, methods.cpp).
[[nodiscard]] Value apply_filter(Evaluator& ev, std::string_view name, const Value& input, const CallArgs& args);
[[nodiscard]] bool apply_test(Evaluator& ev, std::string_view name, const Value& input, const CallArgs& args);
// A bound method of a str, dict or list (`"a b".split`), or Undefined when it has none by that name.
[[nodiscard]] Value method(const Value& obj, std::string_view name);

// Python's str methods used by filters and methods alike.
[[nodiscard]] std::string py_strip(std::string_view s, bool left, bool right, const Value& chars = Value());
[[nodiscard]] std::string py_upper(std::string_view s);
[[nodiscard]] std::string py_lower(std::string_view s);
[[nodiscard]] std::string py_replace(const std::string& s, const std::string& old, const std::string& with,
                                     std::int64_t count = -1);
// Python's % formatting ("%s: %d" % args).
[[nodiscard]] std::string py_percent_format(const std::string& format, const Value& args);

}  // namespace npu::genai::jinja
