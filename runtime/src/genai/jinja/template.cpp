#include "template.hpp"

#include <fmt/format.h>

#include "evaluator.hpp"
#include "filters.hpp"
#include "lexer.hpp"
#include "parser.hpp"

namespace npu::genai::jinja {
namespace {

// Every filter and test a template names must exist: an unknown one is a compile-time error.
void check(const Expr* e, const std::string& source) {
  if (e == nullptr) return;
  const auto unknown = [&](std::string_view what) {
    throw TemplateError{fmt::format("{} '{}' is not supported by this Jinja engine ({})", what, e->name,
                                    describe_position(source, e->offset)),
                        true};
  };
  if (e->kind == Expr::Kind::kFilter && !has_filter(e->name)) unknown("filter");
  if (e->kind == Expr::Kind::kTest && !has_test(e->name)) unknown("test");
  for (const ExprPtr& i : e->items) check(i.get(), source);
  for (const auto& [k, v] : e->keywords) check(v.get(), source);
}

void check(const Body& body, const std::string& source) {
  for (const StmtPtr& s : body) {
    check(s->expr.get(), source);
    check(s->condition.get(), source);
    for (const ExprPtr& c : s->conditions) check(c.get(), source);
    for (const ExprPtr& v : s->values) check(v.get(), source);
    for (const MacroParam& p : s->params) check(p.default_value.get(), source);
    for (const Body& b : s->bodies) check(b, source);
    check(s->else_body, source);
  }
}

}  // namespace

struct Template::Compiled {
  std::string source;
  Body body;
};

Expected<Template> Template::compile(std::string_view source) {
  try {
    Lexed lexed = lex(source);
    auto compiled = std::make_shared<Compiled>();
    compiled->body = parse(lexed);
    compiled->source = std::move(lexed.source);
    check(compiled->body, compiled->source);
    return Template(std::move(compiled));
  } catch (const TemplateError& e) {
    return fail(ErrorCode::kInvalidArgument, e.message);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("the template cannot be compiled: {}", e.what()));
  }
}

Expected<std::string> Template::render(const std::vector<std::pair<std::string, Value>>& variables) const {
  try {
    Evaluator ev(compiled_->source);
    return ev.render(compiled_->body, variables);
  } catch (const TemplateError& e) {
    return fail(ErrorCode::kInvalidArgument, e.message);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("the template failed: {}", e.what()));
  }
}

}  // namespace npu::genai::jinja
