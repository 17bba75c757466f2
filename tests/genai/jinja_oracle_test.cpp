// Chat templates against the reference Jinja (@huggingface/jinja, run by node): templates written
// for the tests (data/chat_templates/, and the built-in ones) over every conversation shape a chat
// client sends (system prompt, tool list, assistant content and/or OpenAI-style tool_calls, tool
// results, reasoning in earlier and last turns, Unicode text), and small templates for each Jinja
// construct, must render exactly what the reference renders. Only cases where Python's Jinja
// (what Hugging Face uses) and @huggingface/jinja agree are here; where they differ the engine
// follows Python (jinja_test.cpp holds those).
// Skipped (loudly) without node or node_modules; fails then when NPU_REQUIRE_ORACLE=1.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "node_script.hpp"
#include "npu/genai/chat_template.hpp"
#include "template_render.hpp"

namespace npu::genai {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
const fs::path kSourceDir = NPU_SOURCE_DIR;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const Json kWeather = Json::parse(R"({"type": "function", "function": {"name": "get_weather",
  "description": "Weather in a city, e.g. \"Paris\" or 'Zürich'", "parameters": {"type": "object",
  "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
  "required": ["city"]}}})");

// Conversations: messages, tools (null: none) and extra variables.
std::vector<Json> conversations() {
  return {
      Json::parse(R"({"messages": [{"role": "user", "content": "Hi"}]})"),
      Json::parse(R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Bye"}]})"),
      Json{{"messages", Json::parse(R"([{"role": "system", "content": "You help."}, {"role": "user", "content": "Weather in Paris?"}])")},
           {"tools", Json::array({kWeather})}},
      Json{{"messages", Json::parse(R"([{"role": "user", "content": "Weather?"}])")},
           {"tools", Json::array({kWeather, Json::parse(R"({"name": "lookup", "description": "ünïcödé 日本語 🌍"})")})}},
      Json{{"messages", Json::parse(R"([{"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
          "function": {"name": "get_weather", "arguments": {"city": "Paris \"FR\"", "days": 2}}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "{\"temp\": 21, \"sky\": \"clear\"}"},
        {"role": "assistant", "content": "It is 21 °C."}])")},
           {"tools", Json::array({kWeather})}},
      Json{{"messages", Json::parse(R"([{"role": "user", "content": "Both?"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [{"type": "function",
          "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
        {"role": "tool", "content": "cold"}])")}},
      Json::parse(R"({"messages": [{"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "<think>first\nthoughts</think>\u3000Answer 1\u00a0 "},
        {"role": "user", "content": "Q2"}, {"role": "assistant", "content": "<think>second</think>Answer 2"}]})"),
      Json::parse(R"({"messages": [{"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "<think>a</think>\n\nA1"}, {"role": "user", "content": "Q2"}],
        "keep_past_thinking": true})"),
      Json::parse(R"({"messages": [{"role": "user", "content": [{"type": "text", "text": "parts"}]},
        {"role": "assistant", "content": "<|tool_call_start|>[f(a=1)]<|tool_call_end|>done"}]})"),
      Json{{"messages", Json::parse(R"([{"role": "user", "content": "Emoji 😀, ñ, العربية, 中文, Ελληνικά"}])")},
           {"tools", Json::array({"{\"name\": \"already-serialized\"}"})}},
      Json::parse(R"({"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "x"}], "tools": []})"),
  };
}

// Small templates, one Jinja construct or two each.
std::vector<Json> construct_cases() {
  const auto c = [](std::string t, Json ctx = Json::object()) { return Json{{"template", std::move(t)}, {"context", std::move(ctx)}}; };
  return {
      c("{%- for m in xs -%}{{ loop.index }}/{{ loop.length }}{{ loop.index0 }}{{ loop.revindex }}{{ ',' if not loop.last }}{%- endfor -%}", {{"xs", {1, 2, 3}}}),
      c("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {{"d", {{"b", 1}, {"a", "x"}}}}),
      c("{% for x in [] %}a{% else %}empty{% endfor %}"),
      c("{% for x in xs if x > 1 %}{{ x }}{{ loop.index }}{% endfor %}", {{"xs", {1, 2, 3}}}),
      c("{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}", {{"xs", {1, 2, 3}}}),
      c("{% macro f(a, b='B') %}<{{ a }}{{ b }}>{% endmacro %}{{ f(1) }}{{ f(2, b='c') }}{{ f('x', 'y') }}"),
      c("{% macro w(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call w('b') %}inner{% endcall %}"),
      c("{{ s[1:3] }}|{{ s[-2:] }}|{{ s[::2] }}|{{ xs[1:] | join(',') }}|{{ xs[-1] }}", {{"s", "abcdef"}, {"xs", {1, 2, 3}}}),
      c("{{ x | default('d') }}|{{ '' | default('e', true) }}"),
      c("{{ xs | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|"
        "{{ xs | rejectattr('role', 'eq', 'user') | list | length }}",
        {{"xs", Json::parse(R"([{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}])")}}),
      c("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ d | tojson(ensure_ascii=true) }}",
        {{"d", Json::parse(R"({"z": 1, "a": [1, {"q": "é日本😀"}], "m": null, "t": "tab\tquote\"back\\"})")}}),
      c("{{ d | tojson(separators=(',', ':')) }}", {{"d", Json::parse(R"({"a": [1, 2], "b": "c"})")}}),
      c("{% if x is string %}s{% elif x is mapping %}m{% elif x is iterable %}i{% else %}o{% endif %}", {{"x", {1}}}),
      c("{% set x %}block {{ 1 }}{% endset %}[{{ x }}]"),
      c("{% filter upper %}hello {{ name }}{% endfilter %}", {{"name", "bob"}}),
      c("{% for x in range(6) %}{% if x == 4 %}{% break %}{% endif %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %}"),
      c("  {% if true %}\n    text\n  {% endif %}\nafter\n"),
      c("a  {%- if true -%}  b  {%- endif -%}  c\n\n{{- ' d ' -}}\n e"),
      c("{# comment #}\nx {#- c -#}  y\n{#- trailing -#}"),
      c("{{ \"quote's\" }}|{{ 'tab\\there' }}|{{ '\\u00e9\\n' }}"),
      c("{{ m.content | trim }}|{{ m.content.strip() }}", {{"m", {{"content", "\u3000 wide \u2003space\u00a0\n"}}}}),
      c("{% set a, b = 1, 2 %}{{ a }}{{ b }}{{ 7 // 2 }}{{ 7 % 3 }}{{ 2 ** 5 }}{{ 1 + 2 * 3 - 4 }}"),
      c("{{ 'hello world' | replace('o', '0') }}|{{ 'aaa'.replace('a', 'b') }}|{{ 'y' if 'Hello'.startswith('He') }}{{ 'n' if 'Hello'.endswith('x') }}"),
      c("{{ 'a,b,,c'.split(',') | join('-') }}|{{ 'x.y.z'.split('.')[-1] }}|{{ ' a  b '.split() | length }}"),
      c("{{ 'AbC'.upper() }}{{ 'AbC'.lower() }}{{ 'AbC' | upper }}{{ 'AbC' | lower }}{{ 'hello world' | title }}"),
      c("{{ 'x' ~ 1 ~ 'y' }}|{{ 1 if 'a' in 'cat' }}|{{ 2 if 'k' in d }}|{{ 3 if 'z' not in 'abc' }}|{{ 4 if 'q' in d }}",
        {{"d", {{"k", 1}}}}),
      c("{{ d.get('a') }}|{{ d.get('zz', 'dflt') }}|{{ d['a'] }}|{{ d.a }}", {{"d", {{"a", 1}}}}),
      c("{{ xs | first }}{{ xs | last }}{{ xs | length }}{{ 'héllo' | length }}", {{"xs", {1, 2, 3}}}),
      c("{% if not xs %}empty{% endif %}{% if ys and ys[0] %}y{% endif %}", {{"xs", Json::array()}, {"ys", {1}}}),
      c("{%- set messages = messages[1:] if messages[0].role == 'system' else messages -%}{{ messages | length }}",
        {{"messages", Json::parse(R"([{"role": "system"}, {"role": "user"}])")}}),
      c("{{ raise_exception('this template refuses') }}"),
  };
}

TEST(JinjaOracle, RendersAsHuggingFaceJinja) {
  NPU_REQUIRE_NODE_ORACLE(kSourceDir, "@huggingface/jinja");
  std::vector<std::pair<std::string, std::string>> templates = {
      {"tools_reasoning.jinja", read_file(kSourceDir / "tests/genai/data/chat_templates/tools_reasoning.jinja")}};
  for (BuiltinTemplate b : {BuiltinTemplate::kLfm2, BuiltinTemplate::kLfm25, BuiltinTemplate::kChatMl}) {
    templates.emplace_back(std::string("built-in ") + std::string(to_string(b)), ChatTemplate::builtin(b, {}).source());
  }
  ASSERT_FALSE(templates[0].second.empty());
  Json cases = Json::array();
  std::vector<std::string> names;
  for (const auto& [name, source] : templates) {
    for (const Json& conversation : conversations()) {
      for (const bool generation_prompt : {true, false}) {
        Json ctx = conversation;
        if (!ctx.contains("tools")) ctx["tools"] = nullptr;
        ctx["add_generation_prompt"] = generation_prompt;
        ctx["bos_token"] = "<|startoftext|>";
        ctx["eos_token"] = "<|im_end|>";
        cases.push_back({{"template", source}, {"context", ctx}});
        names.push_back(name + ", conversation " + std::to_string(names.size()));
      }
    }
  }
  for (Json& c : construct_cases()) {
    names.push_back("construct: " + c["template"].get<std::string>());
    cases.push_back(std::move(c));
  }
  const fs::path dir = fs::temp_directory_path() / ("npu-jinja-oracle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "cases.json") << cases.dump();
  const auto output = testing::run_node(kSourceDir / "tests/genai/jinja_render.mjs", {(dir / "cases.json").string()},
                                        dir / "node.log");
  ASSERT_TRUE(output) << "node failed; see " << (dir / "node.log");
  const Json expected = Json::parse(*output, nullptr, false);
  ASSERT_TRUE(expected.is_array() && expected.size() == cases.size()) << *output;
  std::size_t rendered = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto ours = testing::render_context(cases[i]["template"].get<std::string>(), cases[i]["context"]);
    if (expected[i].contains("error")) {
      EXPECT_FALSE(ours) << names[i] << ": the reference failed (" << expected[i]["error"] << ") but we rendered\n"
                         << (ours ? *ours : std::string());
      continue;
    }
    ASSERT_TRUE(ours) << names[i] << ": " << ours.error().what();
    EXPECT_EQ(*ours, expected[i]["text"].get<std::string>()) << names[i];
    ++rendered;
  }
  EXPECT_GE(rendered, cases.size() - 1);  // only raise_exception() fails
  fs::remove_all(dir);
}

}  // namespace
}  // namespace npu::genai
