// The Jinja engine where Python's Jinja (what Hugging Face renders chat templates with) is the
// reference and @huggingface/jinja differs or cannot run the template: Python's str() of values,
// scoping, Unicode whitespace, tojson's options; compile-time errors naming the construct and its
// place; malformed templates give errors, never crashes. Expected values are Python 3 + Jinja 3.1
// with trim_blocks and lstrip_blocks, as Hugging Face configures it.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "npu/genai/chat_template.hpp"
#include "template_render.hpp"

namespace npu::genai {
namespace {

using Json = nlohmann::ordered_json;

std::string render(const std::string& source, const Json& context = Json::object()) {
  auto r = testing::render_context(source, context);
  if (!r) return "ERROR: " + r.error().message();
  return *r;
}

// The error without the "rendering the chat template (model): " every render error starts with.
std::string error_of(const std::string& source, const Json& context = Json::object()) {
  auto r = testing::render_context(source, context);
  if (r) return "rendered: " + *r;
  const std::string prefix = "rendering the chat template (model): ";
  const std::string& m = r.error().message();
  return m.starts_with(prefix) ? m.substr(prefix.size()) : m;
}

TEST(Jinja, PythonStrOfValues) {
  EXPECT_EQ(render("{{ true }} {{ none }} {{ [1, 'a', none, true, 2.5] }} {{ {'a': 1} }} {{ ('x',) }}"),
            "True None [1, 'a', None, True, 2.5] {'a': 1} ('x',)");
  EXPECT_EQ(render("{{ 1.0 }} {{ 1e-5 }} {{ 1e16 }} {{ 0.1 + 0.2 }} {{ 10 / 4 }} {{ 3 * 1.0 }}"),
            "1.0 1e-05 1e+16 0.30000000000000004 2.5 3.0");
  EXPECT_EQ(render("{{ [\"it's\", 'a\"b', 'both\\'\"', 'nl\\n'] }}"),
            R"(["it's", 'a"b', 'both\'"', 'nl\n'])");
  EXPECT_EQ(render("{{ x }}", {{"x", Json::parse(R"({"k": [true, null, 1.5]})")}}), "{'k': [True, None, 1.5]}");
  EXPECT_EQ(render("{{ d | items | list }}", {{"d", {{"b", 2}, {"a", 1}}}}), "[('b', 2), ('a', 1)]");
}

TEST(Jinja, PythonArithmeticAndComparisons) {
  EXPECT_EQ(render("{{ -7 % 3 }} {{ 7 % -3 }} {{ -7 // 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ -7.5 % 2 }}"), "2 -2 -4 1024 0.5 0.5");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] < [1, 3] }}"),
            "True False True True True");
  EXPECT_EQ(render("{{ '%s-%03d-%.2f' % ('a', 7, 3.14159) }}|{{ '%s' | format([1]) }}"), "a-007-3.14|[1]");
  EXPECT_EQ(error_of("{{ 1 + 'a' }}"), "unsupported operand type(s) for +: 'int' and 'str' (line 1, column 6)");
  EXPECT_EQ(error_of("{{ 1 // 0 }}"), "integer division or modulo by zero (line 1, column 6)");
}

TEST(Jinja, ScopingFollowsPython) {
  // A {% set %} in a loop body lives for that iteration only; namespace() carries values out.
  EXPECT_EQ(render("{% for i in range(3) %}{% if i == 0 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %}|{{ x }}"),
            "[a][][]|");
  EXPECT_EQ(render("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}"), "2");
  EXPECT_EQ(render("{% set x = 1 %}{% macro m() %}{% set x = 5 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}"), "51");
  EXPECT_EQ(render("{% with a = 1 %}{{ a }}{% endwith %}[{{ a }}]"), "1[]");
}

TEST(Jinja, TrimIsPythonStrip) {
  // Python's str.strip() removes U+001C..U+001F and U+0085 too (JavaScript's trim() does not,
  // and strips U+FEFF, which Python keeps).
  EXPECT_EQ(render("[{{ s | trim }}]", {{"s", "\u0085\u001c x \u3000\u2029"}}), "[x]");
  EXPECT_EQ(render("[{{ s | trim }}]", {{"s", "\ufeffx\ufeff"}}), "[\ufeffx\ufeff]");
  EXPECT_EQ(render("[{{ s.strip('xy') }}|{{ s.lstrip() }}|{{ s.rstrip() }}]", {{"s", " xhiy "}}), "[ xhiy |xhiy | xhiy]");
  EXPECT_EQ(render("{{ '  a  b '.split() }}{{ 'a,b,'.split(',') }}{{ 'a b c'.split(' ', 1) }}{{ 'a.b.c'.rsplit('.', 1) }}"),
            "['a', 'b']['a', 'b', '']['a', 'b c']['a.b', 'c']");
}

TEST(Jinja, ToJsonAsHuggingFace) {
  const Json d = Json::parse(R"({"z": "é😀", "a": [1, 2.0, null], "ctl": "\u0001\u007f"})");
  EXPECT_EQ(render("{{ d | tojson }}", {{"d", d}}), R"({"z": "é😀", "a": [1, 2.0, null], "ctl": "\u0001)" "\x7f" R"("})");
  EXPECT_EQ(render("{{ d | tojson(ensure_ascii=true) }}", {{"d", d}}),
            R"({"z": "\u00e9\ud83d\ude00", "a": [1, 2.0, null], "ctl": "\u0001\u007f"})");
  EXPECT_EQ(render("{{ d | tojson(sort_keys=true, separators=(',', ':')) }}", {{"d", d}}),
            R"({"a":[1,2.0,null],"ctl":"\u0001)" "\x7f" R"(","z":"é😀"})");
  EXPECT_EQ(render("{{ {'a': [1], 'b': {}} | tojson(indent=2) }}"), "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}");
  EXPECT_EQ(error_of("{{ x | tojson }}"), "Object of type Undefined is not JSON serializable (line 1, column 8)");
}

TEST(Jinja, WhitespaceControlAndHuggingFaceLexing) {
  EXPECT_EQ(render("  {% if true %}\n    text\n  {% endif %}\nafter\n"), "    text\nafter");
  EXPECT_EQ(render("a\r\nb {%+ if true %}c{% endif +%}\nd"), "a\nb c\nd");
  EXPECT_EQ(render("{% raw %}{{ kept }}{% endraw %}"), "{{ kept }}");
  EXPECT_EQ(render("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");
}

TEST(Jinja, MacrosCallersAndLoopHelpers) {
  EXPECT_EQ(render("{% macro m(a, b=a ~ '!') %}{{ a }}{{ b }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1) }}|{{ m(1, 2, 3, k=4) }}"),
            "11!(){}|12(3,){'k': 4}");
  EXPECT_EQ(render("{% macro list(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}"
                   "{% call(x) list([1, 2]) %}<{{ x }}>{% endcall %}"),
            "<1><2>");
  EXPECT_EQ(render("{% for x in 'ab' %}{{ loop.cycle('o', 'e') }}{{ loop.previtem | default('-') }}{% endfor %}"), "o-ea");
}

TEST(Jinja, UnicodeStringsIndexByCharacter) {
  EXPECT_EQ(render("{{ s | length }} {{ s[1] }} {{ s[-1] }} {{ s[::-1] }} {{ s | upper }}", {{"s", "héllo😀"}}), "6 é 😀 😀olléh HÉLLO😀");
  EXPECT_EQ(render("{{ 'ΑΒΓ' | lower }} {{ 'привет' | capitalize }} {{ 'élan vital' | title }}"), "αβγ Привет Élan Vital");
}

TEST(Jinja, UndefinedValues) {
  EXPECT_EQ(render("[{{ missing }}][{{ missing | default('d') }}][{{ missing is defined }}][{{ d.nokey }}]", {{"d", Json::object()}}),
            "[][d][False][]");
  EXPECT_EQ(error_of("{{ missing.attr }}"), "'missing' is undefined (line 1, column 11)");
  EXPECT_EQ(error_of("{{ messages[0]['role'] }}", {{"messages", Json::array()}}),
            "list object has no element 0 (line 1, column 15)");
}

TEST(Jinja, ImmutableSandbox) {
  EXPECT_NE(error_of("{% set xs = [] %}{{ xs.append(1) }}").find("would modify a list"), std::string::npos);
  EXPECT_NE(error_of("{% set d = {} %}{{ d.update({'a': 1}) }}").find("would modify a dict"), std::string::npos);
}

TEST(Jinja, CompileErrorsNameTheConstructAndPlace) {
  const auto compile_error = [](const std::string& source) {
    auto t = ChatTemplate::compile(source, {});
    return t ? std::string("compiled") : t.error().message();
  };
  EXPECT_EQ(compile_error("{{ x | wordwrap(5) }}"),
            "chat template (model): filter 'wordwrap' is not supported by this Jinja engine (line 1, column 8)");
  EXPECT_EQ(compile_error("a\n{% if x is prime %}{% endif %}"),
            "chat template (model): test 'prime' is not supported by this Jinja engine (line 2, column 9)");
  const std::string include = compile_error("{% include 'other.jinja' %}");
  EXPECT_NE(include.find("'{% include %}' is not supported in chat templates"), std::string::npos) << include;
  EXPECT_TRUE(include.ends_with("(line 1, column 4)")) << include;
  EXPECT_EQ(compile_error("{% for x in y %}"), "chat template (model): unexpected end of template: missing '{% endfor %}' (line 1, column 17)");
  EXPECT_EQ(compile_error("{{ 'open }}"), "chat template (model): unterminated string literal (line 1, column 4)");
  EXPECT_EQ(compile_error("{% if %}"), "chat template (model): unexpected '%}' in an expression (line 1, column 7)");
  EXPECT_EQ(compile_error("{{ a ]}}"), "chat template (model): unexpected ']' (line 1, column 6)");
  EXPECT_EQ(compile_error("{% endfor %}"),
            "chat template (model): unknown statement '{% endfor %}' (or one closed without being opened) (line 1, column 4)");
  EXPECT_EQ(compile_error("{% break %}"), "chat template (model): 'break' outside of a for loop (line 1, column 4)");
}

TEST(Jinja, RuntimeLimits) {
  EXPECT_NE(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").find("nested more than"), std::string::npos);
  EXPECT_NE(error_of("{% for i in range(100000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}").find("loop iterations"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 1000000000 }}").find("too large"), std::string::npos);
  EXPECT_NE(error_of("{{ 9223372036854775807 + 1 }}|{{ 9223372036854775806 + 2 }}").find("integer overflow"), std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}").find("nested too deeply"), std::string::npos);
}

// Malformed templates: random cuts, splices and byte flips of real-looking templates must compile
// and render to a value or an error, never crash or hang.
TEST(Jinja, MalformedTemplatesNeverCrash) {
  const std::vector<std::string> seeds = {
      ChatTemplate::builtin(BuiltinTemplate::kLfm25, {}).source(),
      ChatTemplate::builtin(BuiltinTemplate::kLfm2, {}).source(),
      "{% macro m(a, b=1) %}{{ a ~ b | string }}{% endmacro %}{% call m(1) %}x{% endcall %}{{ m(2)[1:] }}"
      "{% for k, v in {'a': [1, 2]} | dictsort %}{{ loop.index }}{{ v | tojson(indent=1) }}{% endfor %}"
      "{% set ns = namespace(x=[]) %}{% set ns.x = ns.x + [1] %}{{ ns.x | map('string') | join }}{# c #}{% raw %}r{% endraw %}",
  };
  const Json context = Json::parse(R"({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"},
    {"role": "assistant", "content": "<think>t</think>a"}], "tools": [{"name": "t"}], "add_generation_prompt": true,
    "bos_token": "<s>"})");
  std::mt19937 rng(1234);
  const std::string alphabet = "{}%#-+()[]|.,:'\"~=<>! \n\tabcxyz019_";
  std::size_t compiled = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string s = seeds[static_cast<std::size_t>(round) % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const std::size_t at = rng() % s.size();
      switch (rng() % 4) {
        case 0: s.erase(at, 1 + rng() % 8); break;
        case 1: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        case 2: s[at] = static_cast<char>(rng() % 256); break;
        default: s = s.substr(0, at); break;
      }
    }
    auto r = testing::render_context(s, context);
    if (r) ++compiled;
    else EXPECT_FALSE(r.error().message().empty());
  }
  EXPECT_GT(compiled, 0u);  // some mutations stay valid templates
}

}  // namespace
}  // namespace npu::genai
