// The syntax tree of a Jinja template: expressions and statements, as the parser builds them and
// the evaluator walks them. Every node keeps its offset in the (newline-normalized) source for
// error messages. Private to the genai sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "value.hpp"

namespace npu::genai::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind : std::uint8_t {
    kLiteral,    // value
    kName,       // name
    kList,       // items
    kTuple,      // items
    kDict,       // keys[i]: items[2i], values: items[2i+1]
    kAttribute,  // items[0].name
    kItem,       // items[0][items[1]]
    kSlice,      // items[0][items[1]:items[2]:items[3]] (null: absent)
    kCall,       // items[0](items[1..], keywords)
    kFilter,     // items[0] | name(items[1..], keywords)
    kTest,       // items[0] is [not] name(items[1..], keywords); negated
    kUnary,      // name ("-", "+", "not") items[0]
    kBinary,     // items[0] name items[1]: + - * / // % ** ~ and or
    kCompare,    // items[0] ops[0] items[1] ops[1] items[2] ... (==, !=, <, >, <=, >=, in, not in)
    kCondition,  // items[1] if items[0] else items[2] (null: undefined)
    kBlockText,  // the rendered body of {% filter %} / {% set x | f %} blocks
  };
  Kind kind;
  std::size_t offset = 0;
  Value value;
  std::string name;
  bool negated = false;
  std::vector<ExprPtr> items;
  std::vector<std::string> ops;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// An assignment target: names (several: unpack a sequence), or namespace.attribute.
struct Target {
  std::vector<std::string> names;
  std::string attribute;  // set: names[0] is a namespace, assign its attribute
  bool tuple = false;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null: none
};

struct Stmt {
  enum class Kind : std::uint8_t {
    kText,       // text
    kPrint,      // {{ expr }}
    kIf,         // conditions[i] -> bodies[i]; else_body
    kFor,        // for target in expr [if condition]: bodies[0]; else_body
    kSet,        // target = expr
    kSetBlock,   // target = rendered bodies[0], through expr (filters on kBlockText) if any
    kMacro,      // name(params): bodies[0]
    kCallBlock,  // expr (a call) with caller(params) rendering bodies[0]
    kFilterBlock,  // expr (filters on kBlockText) over bodies[0]
    kWith,       // assignments (targets[i] = values[i]) in a new scope: bodies[0]
    kScope,      // bodies[0] as is (HF's {% generation %})
    kBreak,
    kContinue,
  };
  Kind kind;
  std::size_t offset = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr condition;
  Target target;
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
  Body else_body;
  std::vector<MacroParam> params;
  std::vector<Target> targets;
  std::vector<ExprPtr> values;
};

}  // namespace npu::genai::jinja
