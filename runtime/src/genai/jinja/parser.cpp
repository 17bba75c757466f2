#include "parser.hpp"

#include <algorithm>
#include <initializer_list>

#include <fmt/format.h>

namespace npu::genai::jinja {
namespace {

constexpr int kMaxDepth = 200;  // nesting of expressions and blocks

class Parser {
 public:
  explicit Parser(const Lexed& lexed) : lexed_(lexed) {}

  Body run() {
    Body body = parse_body({});
    if (current().kind != TokenKind::kEnd) {
      fail(current().offset, fmt::format("unexpected '{{% {} %}}'", peek_name(1)));
    }
    return body;
  }

 private:
  // --- tokens ---
  const Token& current() const { return lexed_.tokens[pos_]; }
  const Token& peek(std::size_t ahead) const {
    return lexed_.tokens[std::min(pos_ + ahead, lexed_.tokens.size() - 1)];
  }
  std::string peek_name(std::size_t ahead) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::kName ? t.text : std::string();
  }
  const Token& next() {
    const Token& t = lexed_.tokens[pos_];
    if (pos_ + 1 < lexed_.tokens.size()) ++pos_;
    return t;
  }
  bool is_op(std::string_view op) const { return current().kind == TokenKind::kOperator && current().text == op; }
  bool is_name(std::string_view name) const { return current().kind == TokenKind::kName && current().text == name; }
  bool accept_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool accept_name(std::string_view name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(std::size_t offset, const std::string& what) const {
    throw TemplateError{fmt::format("{} ({})", what, describe_position(lexed_.source, offset)), true};
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kData: return "template text";
      case TokenKind::kVarBegin: return "'{{'";
      case TokenKind::kVarEnd: return "'}}'";
      case TokenKind::kBlockBegin: return "'{%'";
      case TokenKind::kBlockEnd: return "'%}'";
      case TokenKind::kName: return fmt::format("'{}'", t.text);
      case TokenKind::kString: return "a string";
      case TokenKind::kInteger:
      case TokenKind::kFloat: return "a number";
      case TokenKind::kOperator: return fmt::format("'{}'", t.text);
      case TokenKind::kEnd: return "the end of the template";
    }
    return "?";
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) fail(current().offset, fmt::format("expected '{}', found {}", op, describe(current())));
  }
  std::string expect_name(std::string_view what) {
    if (current().kind != TokenKind::kName) {
      fail(current().offset, fmt::format("expected {}, found {}", what, describe(current())));
    }
    return next().text;
  }
  void expect_block_end(std::string_view statement) {
    if (current().kind != TokenKind::kBlockEnd) {
      fail(current().offset, fmt::format("expected '%}}' to end '{}', found {}", statement, describe(current())));
    }
    next();
  }
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail(p_.current().offset, "template nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& p_;
  };

  static ExprPtr node(Expr::Kind kind, std::size_t offset) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->offset = offset;
    return e;
  }

  // --- statements ---
  // Statements up to a {% name %} in `ends` (left unconsumed, at its name) or the end.
  Body parse_body(std::initializer_list<std::string_view> ends) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& t = current();
      if (t.kind == TokenKind::kEnd) {
        if (ends.size() != 0) {
          fail(t.offset, fmt::format("unexpected end of template: missing '{{% {} %}}'", *(ends.end() - 1)));
        }
        return body;
      }
      if (t.kind == TokenKind::kData) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::kText;
        s->offset = t.offset;
        s->text = t.text;
        body.push_back(std::move(s));
        next();
      } else if (t.kind == TokenKind::kVarBegin) {
        next();
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::kPrint;
        s->offset = t.offset;
        s->expr = parse_tuple();
        if (current().kind != TokenKind::kVarEnd) {
          fail(current().offset, fmt::format("expected '}}}}', found {}", describe(current())));
        }
        next();
        body.push_back(std::move(s));
      } else if (t.kind == TokenKind::kBlockBegin) {
        const std::string name = peek_name(1);
        if (std::find(ends.begin(), ends.end(), name) != ends.end()) {
          next();  // leave the name current
          return body;
        }
        next();
        body.push_back(parse_statement(t.offset));
      } else {
        fail(t.offset, fmt::format("unexpected {}", describe(t)));
      }
    }
  }

  StmtPtr parse_statement(std::size_t offset) {
    const Token& t = current();
    if (t.kind != TokenKind::kName) fail(t.offset, fmt::format("expected a statement name, found {}", describe(t)));
    const std::string name = next().text;
    auto s = std::make_unique<Stmt>();
    s->offset = offset;
    if (name == "if") return parse_if(std::move(s));
    if (name == "for") return parse_for(std::move(s));
    if (name == "set") return parse_set(std::move(s));
    if (name == "macro") return parse_macro(std::move(s));
    if (name == "call") return parse_call_block(std::move(s));
    if (name == "filter") {
      s->kind = Stmt::Kind::kFilterBlock;
      s->expr = parse_filter_chain(node(Expr::Kind::kBlockText, offset));
      expect_block_end("filter");
      s->bodies.push_back(parse_body({"endfilter"}));
      end_block("endfilter");
      return s;
    }
    if (name == "with") {
      s->kind = Stmt::Kind::kWith;
      while (current().kind != TokenKind::kBlockEnd) {
        if (!s->targets.empty()) expect_op(",");
        s->targets.push_back(parse_target(false));
        expect_op("=");
        s->values.push_back(parse_expression());
      }
      next();
      s->bodies.push_back(parse_body({"endwith"}));
      end_block("endwith");
      return s;
    }
    if (name == "generation") {  // Hugging Face's marker of assistant text: rendered as is
      s->kind = Stmt::Kind::kScope;
      expect_block_end("generation");
      s->bodies.push_back(parse_body({"endgeneration"}));
      end_block("endgeneration");
      return s;
    }
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) fail(t.offset, fmt::format("'{}' outside of a for loop", name));
      s->kind = name == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue;
      expect_block_end(name);
      return s;
    }
    static constexpr std::string_view kUnsupported[] = {
        "include", "import", "from", "extends", "block", "do", "autoescape", "trans", "pluralize"};
    if (std::find(std::begin(kUnsupported), std::end(kUnsupported), name) != std::end(kUnsupported)) {
      fail(t.offset, fmt::format("'{{% {} %}}' is not supported in chat templates (a chat template is "
                                 "one self-contained text; Hugging Face does not enable it either)", name));
    }
    fail(t.offset, fmt::format("unknown statement '{{% {} %}}' (or one closed without being opened)", name));
  }

  // At an end tag's name: consume it and the '%}'.
  void end_block(std::string_view name) {
    next();
    expect_block_end(name);
  }

  StmtPtr parse_if(StmtPtr s) {
    s->kind = Stmt::Kind::kIf;
    s->conditions.push_back(parse_expression());
    expect_block_end("if");
    s->bodies.push_back(parse_body({"elif", "else", "endif"}));
    while (true) {
      const std::string tag = next().text;
      if (tag == "elif") {
        s->conditions.push_back(parse_expression());
        expect_block_end("elif");
        s->bodies.push_back(parse_body({"elif", "else", "endif"}));
      } else if (tag == "else") {
        expect_block_end("else");
        s->else_body = parse_body({"endif"});
        end_block("endif");
        return s;
      } else {
        expect_block_end("endif");
        return s;
      }
    }
  }

  StmtPtr parse_for(StmtPtr s) {
    s->kind = Stmt::Kind::kFor;
    s->target = parse_target(false);
    if (!accept_name("in")) fail(current().offset, fmt::format("expected 'in' in for loop, found {}", describe(current())));
    s->expr = parse_tuple(/*with_condexpr=*/false);
    if (accept_name("if")) s->condition = parse_expression();
    if (is_name("recursive")) fail(current().offset, "recursive for loops are not supported in chat templates");
    expect_block_end("for");
    ++loop_depth_;
    s->bodies.push_back(parse_body({"else", "endfor"}));
    --loop_depth_;
    if (next().text == "else") {
      expect_block_end("else");
      s->else_body = parse_body({"endfor"});
      end_block("endfor");
    } else {
      expect_block_end("endfor");
    }
    return s;
  }

  StmtPtr parse_set(StmtPtr s) {
    s->target = parse_target(true);
    if (accept_op("=")) {
      s->kind = Stmt::Kind::kSet;
      s->expr = parse_tuple();
      expect_block_end("set");
      return s;
    }
    s->kind = Stmt::Kind::kSetBlock;
    if (s->target.tuple) fail(s->offset, "a block set assigns one name");
    if (is_op("|")) s->expr = parse_filter_chain(node(Expr::Kind::kBlockText, s->offset));
    expect_block_end("set");
    s->bodies.push_back(parse_body({"endset"}));
    end_block("endset");
    return s;
  }

  // name | name.attr (with_namespace) | a, b | (a, b)
  Target parse_target(bool with_namespace) {
    Target target;
    const bool parens = accept_op("(");
    while (true) {
      target.names.push_back(expect_name("a variable name"));
      if (with_namespace && target.names.size() == 1 && accept_op(".")) {
        target.attribute = expect_name("an attribute name");
        if (parens) expect_op(")");
        return target;
      }
      if (!accept_op(",")) break;
      target.tuple = true;
      if (current().kind != TokenKind::kName) break;  // trailing comma
    }
    if (parens) {
      expect_op(")");
      target.tuple = true;
    }
    return target;
  }

  StmtPtr parse_macro(StmtPtr s) {
    s->kind = Stmt::Kind::kMacro;
    s->text = expect_name("a macro name");
    s->params = parse_params();
    expect_block_end("macro");
    s->bodies.push_back(parse_body({"endmacro"}));
    end_block("endmacro");
    return s;
  }

  std::vector<MacroParam> parse_params() {
    std::vector<MacroParam> params;
    expect_op("(");
    while (!accept_op(")")) {
      if (!params.empty()) expect_op(",");
      if (accept_op(")")) break;
      MacroParam p;
      p.name = expect_name("a parameter name");
      if (accept_op("=")) p.default_value = parse_expression();
      params.push_back(std::move(p));
    }
    return params;
  }

  StmtPtr parse_call_block(StmtPtr s) {
    s->kind = Stmt::Kind::kCallBlock;
    if (is_op("(")) s->params = parse_params();
    s->expr = parse_expression();
    if (s->expr->kind != Expr::Kind::kCall) fail(s->offset, "'{% call %}' needs a macro call, e.g. {% call m(x) %}");
    expect_block_end("call");
    s->bodies.push_back(parse_body({"endcall"}));
    end_block("endcall");
    return s;
  }

  ExprPtr parse_filter_chain(ExprPtr input) {
    if (current().kind == TokenKind::kName) return parse_filter(std::move(input), false);
    while (accept_op("|")) input = parse_filter(std::move(input), false);
    return input;
  }

  // --- expressions ---
  ExprPtr parse_tuple(bool with_condexpr = true) {
    const std::size_t offset = current().offset;
    ExprPtr first = with_condexpr ? parse_expression() : parse_or();
    if (!is_op(",")) return first;
    auto t = node(Expr::Kind::kTuple, offset);
    t->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (at_tuple_end()) break;
      t->items.push_back(with_condexpr ? parse_expression() : parse_or());
    }
    return t;
  }
  bool at_tuple_end() const {
    const TokenKind k = current().kind;
    return k == TokenKind::kVarEnd || k == TokenKind::kBlockEnd || k == TokenKind::kEnd || is_op(")") ||
           is_name("if") || is_op("=");
  }

  ExprPtr parse_expression() {
    DepthGuard guard(*this);
    ExprPtr e = parse_or();
    while (is_name("if")) {
      const std::size_t offset = next().offset;
      auto c = node(Expr::Kind::kCondition, offset);
      c->items.push_back(parse_or());
      c->items.push_back(std::move(e));
      c->items.push_back(accept_name("else") ? parse_expression() : nullptr);
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(std::string op, ExprPtr left, ExprPtr right, std::size_t offset) {
    auto b = node(Expr::Kind::kBinary, offset);
    b->name = std::move(op);
    b->items.push_back(std::move(left));
    b->items.push_back(std::move(right));
    return b;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      const std::size_t offset = next().offset;
      e = binary("or", std::move(e), parse_and(), offset);
    }
    return e;
  }
  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      const std::size_t offset = next().offset;
      e = binary("and", std::move(e), parse_not(), offset);
    }
    return e;
  }
  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this);
      auto u = node(Expr::Kind::kUnary, next().offset);
      u->name = "not";
      u->items.push_back(parse_not());
      return u;
    }
    return parse_compare();
  }
  ExprPtr parse_compare() {
    const std::size_t offset = current().offset;
    ExprPtr first = parse_math1();
    std::unique_ptr<Expr> cmp;
    while (true) {
      std::string op;
      if (current().kind == TokenKind::kOperator &&
          (is_op("==") || is_op("!=") || is_op("<") || is_op(">") || is_op("<=") || is_op(">="))) {
        op = next().text;
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && peek_name(1) == "in") {
        next();
        next();
        op = "not in";
      } else {
        break;
      }
      if (!cmp) {
        cmp = node(Expr::Kind::kCompare, offset);
        cmp->items.push_back(std::move(first));
      }
      cmp->ops.push_back(std::move(op));
      cmp->items.push_back(parse_math1());
    }
    return cmp ? std::move(cmp) : std::move(first);
  }
  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& t = next();
      e = binary(t.text, std::move(e), parse_concat(), t.offset);
    }
    return e;
  }
  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (is_op("~")) {
      const Token& t = next();
      e = binary("~", std::move(e), parse_math2(), t.offset);
    }
    return e;
  }
  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& t = next();
      e = binary(t.text, std::move(e), parse_pow(), t.offset);
    }
    return e;
  }
  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (is_op("**")) {
      const Token& t = next();
      e = binary("**", std::move(e), parse_unary(true), t.offset);
    }
    return e;
  }
  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      const Token& t = next();
      e = node(Expr::Kind::kUnary, t.offset);
      e->name = t.text;
      e->items.push_back(parse_unary(false));
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = current();
    switch (t.kind) {
      case TokenKind::kName: {
        next();
        auto e = node(Expr::Kind::kLiteral, t.offset);
        if (t.text == "true" || t.text == "True") e->value = Value(true);
        else if (t.text == "false" || t.text == "False") e->value = Value(false);
        else if (t.text == "none" || t.text == "None") e->value = Value(None{});
        else {
          e->kind = Expr::Kind::kName;
          e->name = t.text;
        }
        return e;
      }
      case TokenKind::kString: {
        auto e = node(Expr::Kind::kLiteral, t.offset);
        std::string s;
        while (current().kind == TokenKind::kString) s += next().text;  // "a" "b" == "ab"
        e->value = Value(std::move(s));
        return e;
      }
      case TokenKind::kInteger: {
        next();
        auto e = node(Expr::Kind::kLiteral, t.offset);
        e->value = Value(t.integer);
        return e;
      }
      case TokenKind::kFloat: {
        next();
        auto e = node(Expr::Kind::kLiteral, t.offset);
        e->value = Value(t.number);
        return e;
      }
      case TokenKind::kOperator:
        if (t.text == "(") {
          next();
          if (accept_op(")")) return node(Expr::Kind::kTuple, t.offset);
          ExprPtr inner = parse_tuple();
          if (inner->kind != Expr::Kind::kTuple && is_op(",")) inner = parse_tuple();
          expect_op(")");
          return inner;
        }
        if (t.text == "[") {
          next();
          auto e = node(Expr::Kind::kList, t.offset);
          while (!accept_op("]")) {
            if (!e->items.empty()) expect_op(",");
            if (accept_op("]")) break;
            e->items.push_back(parse_expression());
          }
          return e;
        }
        if (t.text == "{") {
          next();
          auto e = node(Expr::Kind::kDict, t.offset);
          while (!accept_op("}")) {
            if (!e->items.empty()) expect_op(",");
            if (accept_op("}")) break;
            e->items.push_back(parse_expression());
            expect_op(":");
            e->items.push_back(parse_expression());
          }
          return e;
        }
        break;
      default: break;
    }
    fail(t.offset, fmt::format("unexpected {} in an expression", describe(t)));
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        const Token& dot = next();
        auto a = node(Expr::Kind::kAttribute, dot.offset);
        if (current().kind == TokenKind::kInteger) {  // x.0 is x[0]
          a->kind = Expr::Kind::kItem;
          a->items.push_back(std::move(e));
          auto index = node(Expr::Kind::kLiteral, current().offset);
          index->value = Value(next().integer);
          a->items.push_back(std::move(index));
        } else {
          a->name = expect_name("an attribute name after '.'");
          a->items.push_back(std::move(e));
        }
        e = std::move(a);
      } else if (is_op("[")) {
        e = parse_subscript(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr e) {
    const Token& open = next();
    ExprPtr parts[3];
    int part = 0;
    bool slice = false;
    while (!is_op("]")) {
      if (accept_op(":")) {
        slice = true;
        if (++part > 2) fail(open.offset, "a slice has at most three parts");
        continue;
      }
      if (parts[part]) fail(current().offset, fmt::format("expected ':' or ']', found {}", describe(current())));
      parts[part] = parse_expression();
      if (!slice && is_op(",")) {  // x[a, b]: a tuple key
        auto t = node(Expr::Kind::kTuple, parts[0]->offset);
        t->items.push_back(std::move(parts[0]));
        while (accept_op(",")) {
          if (is_op("]")) break;
          t->items.push_back(parse_expression());
        }
        parts[0] = std::move(t);
      }
    }
    next();
    if (!slice && !parts[0]) fail(open.offset, "empty subscript '[]'");
    auto s = node(slice ? Expr::Kind::kSlice : Expr::Kind::kItem, open.offset);
    s->items.push_back(std::move(e));
    s->items.push_back(std::move(parts[0]));
    if (slice) {
      s->items.push_back(std::move(parts[1]));
      s->items.push_back(std::move(parts[2]));
    }
    return s;
  }

  // Arguments after '(' into `call` (items from index 1, keywords).
  void parse_args(Expr& call) {
    expect_op("(");
    bool keywords = false;
    while (!accept_op(")")) {
      if (!call.keywords.empty() || call.items.size() > 1) expect_op(",");
      if (accept_op(")")) break;
      if (is_op("*") || is_op("**")) fail(current().offset, "*args and **kwargs in calls are not supported in chat templates");
      if (current().kind == TokenKind::kName && peek(1).kind == TokenKind::kOperator && peek(1).text == "=") {
        std::string name = next().text;
        next();
        call.keywords.emplace_back(std::move(name), parse_expression());
        keywords = true;
      } else {
        if (keywords) fail(current().offset, "positional argument after keyword argument");
        call.items.push_back(parse_expression());
      }
    }
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto c = node(Expr::Kind::kCall, current().offset);
    c->items.push_back(std::move(callee));
    parse_args(*c);
    return c;
  }

  ExprPtr parse_filter(ExprPtr input, bool skip_pipe) {
    if (skip_pipe) next();
    const std::size_t offset = current().offset;
    auto f = node(Expr::Kind::kFilter, offset);
    f->name = expect_name("a filter name");
    while (is_op(".")) {
      next();
      f->name += "." + expect_name("a filter name");
    }
    f->items.push_back(std::move(input));
    if (is_op("(")) parse_args(*f);
    return f;
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        e = parse_filter(std::move(e), true);
      } else if (is_name("is")) {
        const std::size_t offset = next().offset;
        auto t = node(Expr::Kind::kTest, offset);
        t->negated = accept_name("not");
        t->name = expect_name("a test name after 'is'");
        t->items.push_back(std::move(e));
        if (is_op("(")) {
          parse_args(*t);
        } else if ((current().kind == TokenKind::kName || current().kind == TokenKind::kString ||
                    current().kind == TokenKind::kInteger || current().kind == TokenKind::kFloat ||
                    is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and") && !is_name("if") &&
                   !is_name("in") && !is_name("not")) {
          if (is_name("is")) fail(current().offset, "tests cannot be chained with 'is'");
          t->items.push_back(parse_postfix(parse_primary()));
        }
        e = std::move(t);
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  const Lexed& lexed_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Body parse(const Lexed& lexed) { return Parser(lexed).run(); }

}  // namespace npu::genai::jinja
