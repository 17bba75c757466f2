// Request parsing of the HTTP server: OpenAI and Ollama bodies into GenerationRequest, the field
// checks and their messages, the API key check. No sockets, no model.
#include <gtest/gtest.h>

#include "api_key.hpp"
#include "chat_prompt.hpp"
#include "json_fields.hpp"
#include "ollama_request.hpp"
#include "openai_request.hpp"

namespace npu::server {
namespace {

TEST(ServerRequest, ChatFieldsAreRead) {
  auto r = parse_chat_request(R"({"model": "m", "stream": true, "stream_options": {"include_usage": true},
    "messages": [{"role": "system", "content": "be brief"},
                 {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
                 {"role": "assistant", "content": null, "reasoning_content": "hmm",
                  "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
                 {"role": "tool", "tool_call_id": "c1", "content": "42"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    "temperature": 0.5, "top_p": 0.9, "top_k": -1, "min_p": 0.1, "repetition_penalty": 1.05, "seed": 7,
    "max_completion_tokens": 100, "stop": "END", "n": 1, "presence_penalty": 0,
    "chat_template_kwargs": {"enable_thinking": false}})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model, "m");
  EXPECT_TRUE(r->chat);
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  ASSERT_EQ(r->messages.size(), 4u);
  EXPECT_EQ(r->messages[1].content, "ab");
  EXPECT_EQ(r->messages[2].reasoning, "hmm");
  ASSERT_EQ(r->messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r->messages[2].tool_calls[0].name, "f");
  EXPECT_EQ(r->messages[2].tool_calls[0].arguments_json, R"({"x":1})");
  EXPECT_EQ(r->messages[3].role, "tool");
  ASSERT_EQ(r->tools_json.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(r->tools_json[0])["name"], "f");
  EXPECT_FLOAT_EQ(*r->sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(*r->sampling.top_p, 0.9f);
  EXPECT_EQ(*r->sampling.top_k, 0u);  // -1 = off
  EXPECT_FLOAT_EQ(*r->sampling.min_p, 0.1f);
  EXPECT_FLOAT_EQ(*r->sampling.repetition_penalty, 1.05f);
  EXPECT_EQ(*r->sampling.seed, 7u);
  EXPECT_EQ(*r->max_tokens, 100u);
  EXPECT_EQ(r->stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r->chat_template_kwargs["enable_thinking"], false);
}

TEST(ServerRequest, UnsetFieldsStayUnset) {
  auto r = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->stream);
  EXPECT_FALSE(r->sampling.temperature || r->sampling.top_k || r->sampling.top_p || r->sampling.min_p ||
               r->sampling.repetition_penalty || r->sampling.seed);
  EXPECT_FALSE(r->max_tokens.has_value());  // no cap unless asked
  EXPECT_TRUE(r->model.empty());
}

TEST(ServerRequest, ToolChoiceNoneDropsTools) {
  auto r = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": "none",
    "tools": [{"type": "function", "function": {"name": "f"}}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->tools_json.empty());
}

TEST(ServerRequest, PresenceAndFrequencyPenaltiesAreKept) {
  auto r = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}], "presence_penalty": 0.5,
    "frequency_penalty": -1.25})");
  ASSERT_TRUE(r.has_value());
  EXPECT_FLOAT_EQ(*r->sampling.presence_penalty, 0.5f);
  EXPECT_FLOAT_EQ(*r->sampling.frequency_penalty, -1.25f);
  auto o = parse_ollama_chat(R"({"model": "m", "messages": [{"role": "user", "content": "x"}],
    "options": {"presence_penalty": 1.5, "frequency_penalty": 0.25}})");
  ASSERT_TRUE(o.has_value());
  EXPECT_FLOAT_EQ(*o->request.sampling.presence_penalty, 1.5f);
  EXPECT_FLOAT_EQ(*o->request.sampling.frequency_penalty, 0.25f);
}

TEST(ServerRequest, ToolChoiceRequiredKeepsToolsAndForcesACall) {
  auto r = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": "required",
    "tools": [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "g"}}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->tool_call_required);
  EXPECT_FALSE(r->forced_tool.has_value());
  EXPECT_EQ(r->tools_json.size(), 2u);
}

TEST(ServerRequest, NamedToolChoiceShowsThatFunctionOnly) {
  auto r = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}],
    "tool_choice": {"type": "function", "function": {"name": "g"}},
    "tools": [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "g"}}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->tool_call_required);
  ASSERT_TRUE(r->forced_tool.has_value());
  EXPECT_EQ(*r->forced_tool, "g");
  ASSERT_EQ(r->tools_json.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(r->tools_json[0])["name"], "g");
}

TEST(ServerRequest, ChatTemplateKwargsAreKept) {
  auto r = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}],
    "chat_template_kwargs": {"enable_thinking": false, "keep_past_thinking": true}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->chat_template_kwargs["enable_thinking"], false);
  EXPECT_EQ(r->chat_template_kwargs["keep_past_thinking"], true);
}

TEST(ServerRequest, OllamaThinkBecomesTheTemplatesEnableThinking) {
  auto off = parse_ollama_chat(R"({"model": "m", "think": false, "messages": [{"role": "user", "content": "x"}]})");
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(template_kwargs(off->request), (nlohmann::json{{"enable_thinking", false}}));
  // chat_template_kwargs (OpenAI's field) decide when they set it; other keys pass through.
  GenerationRequest both;
  both.think = false;
  both.chat_template_kwargs = {{"enable_thinking", true}, {"keep_past_thinking", true}};
  EXPECT_EQ(template_kwargs(both), (nlohmann::json{{"enable_thinking", true}, {"keep_past_thinking", true}}));
  GenerationRequest none;
  EXPECT_TRUE(template_kwargs(none).empty());
}

struct BadCase {
  const char* body;
  const char* param;
  const char* says;
};

TEST(ServerRequest, BadChatBodiesNameTheField) {
  const BadCase cases[] = {
      {R"({"messages": "hi"})", "messages", "non-empty array"},
      {R"({"model": "m"})", "messages", "required"},
      {R"({"messages": [5]})", "messages[0]", "object"},
      {R"({"messages": [{"role": 1}]})", "messages[0].role", "string"},
      {R"({"messages": [{"role": "user", "content": {"a": 1}}]})", "messages[0].content", "string or an array"},
      {R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})", "messages[0].content[0].type", "text only"},
      {R"({"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]}]})",
       "messages[0].tool_calls[0].function.arguments", "JSON object"},
      {R"({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"})", "temperature", "must be a number"},
      {R"({"messages": [{"role": "user", "content": "x"}], "temperature": -1})", "temperature", "between"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0})", "max_tokens", "between"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5})", "max_tokens", "integer"},
      {R"({"messages": [{"role": "user", "content": "x"}], "n": 3})", "n", "must be 1"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stop": [1]})", "stop", "strings"},
      {R"({"messages": [{"role": "user", "content": "x"}], "frequency_penalty": 2.5})", "frequency_penalty", "between"},
      {R"({"messages": [{"role": "user", "content": "x"}], "presence_penalty": "high"})", "presence_penalty", "number"},
      {R"({"messages": [{"role": "user", "content": "x"}], "logprobs": true})", "logprobs", "not supported"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stream_options": 3})", "stream_options", "object"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tools": {}})", "tools", "array"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "function"}})", "tool_choice", "auto"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": "always"})", "tool_choice", "required"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"})", "tools", "no 'tools'"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "function", "function": {"name": "h"}},
          "tools": [{"type": "function", "function": {"name": "f"}}]})", "tool_choice.function.name", "'h', which is not in 'tools'"},
      {R"({"messages": [{"role": "user", "content": "x"}], "chat_template_kwargs": []})", "chat_template_kwargs", "object"},
  };
  for (const auto& c : cases) {
    auto r = parse_chat_request(c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().status, 400u) << c.body;
    EXPECT_EQ(r.error().param, c.param) << c.body;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << c.body << " -> " << r.error().message;
  }
}

TEST(ServerRequest, MalformedBodies) {
  for (const char* body : {"", "{", "[1]", "nul", "{\"a\":}", "\xff\xfe"}) {
    auto r = parse_chat_request(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_FALSE(r.error().message.empty());
  }
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = parse_chat_request(deep);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("deeper"), std::string::npos);
  // Brackets inside strings do not count as nesting.
  const std::string in_string = R"({"messages": [{"role": "user", "content": ")" + std::string(1000, '[') + R"("}]})";
  EXPECT_TRUE(parse_chat_request(in_string).has_value());
}

TEST(ServerRequest, CompletionPrompts) {
  auto text = parse_completion_request(R"({"model": "m", "prompt": "hello", "max_tokens": 3})");
  ASSERT_TRUE(text.has_value());
  EXPECT_FALSE(text->chat);
  EXPECT_EQ(text->prompt, "hello");
  auto one = parse_completion_request(R"({"prompt": ["hello"]})");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->prompt, "hello");
  auto ids = parse_completion_request(R"({"prompt": [1, 2, 3]})");
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(ids->prompt_tokens, (std::vector<genai::TokenId>{1, 2, 3}));
  for (const char* bad : {R"({})", R"({"prompt": ""})", R"({"prompt": ["a", "b"]})", R"({"prompt": [-1]})",
                          R"({"prompt": {"x": 1}})", R"({"prompt": [1.5]})"}) {
    auto r = parse_completion_request(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().param, "prompt") << bad;
  }
}

TEST(ServerRequest, OllamaChatAndGenerate) {
  auto chat = parse_ollama_chat(R"({"model": "m:latest", "think": false,
    "messages": [{"role": "assistant", "content": "", "thinking": "t",
                  "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}],
    "options": {"temperature": 0.2, "repeat_penalty": 1.1, "num_predict": 9, "stop": ["x"]}})");
  ASSERT_TRUE(chat.has_value()) << chat.error().message;
  EXPECT_TRUE(chat->request.stream);  // Ollama streams unless told not to
  EXPECT_FALSE(chat->show_thinking);
  EXPECT_EQ(chat->request.think, false);  // the template stops thinking too (render_chat)
  EXPECT_EQ(strip_ollama_tag(chat->request.model), "m");
  EXPECT_FLOAT_EQ(*chat->request.sampling.repetition_penalty, 1.1f);
  EXPECT_EQ(*chat->request.max_tokens, 9u);
  EXPECT_EQ(chat->request.stop, std::vector<std::string>{"x"});
  ASSERT_EQ(chat->request.messages.size(), 1u);
  EXPECT_EQ(chat->request.messages[0].reasoning, "t");
  EXPECT_EQ(chat->request.messages[0].tool_calls[0].arguments_json, R"({"x":1})");

  auto infinite = parse_ollama_generate(R"({"model": "m", "prompt": "p", "stream": false, "options": {"num_predict": -1}})");
  ASSERT_TRUE(infinite.has_value());
  EXPECT_FALSE(infinite->request.max_tokens.has_value());
  EXPECT_FALSE(infinite->request.stream);
  EXPECT_FALSE(infinite->request.think.has_value());  // no 'think': the template's default
  auto thinking = parse_ollama_generate(R"({"model": "m", "prompt": "p", "think": true})");
  ASSERT_TRUE(thinking.has_value());
  EXPECT_TRUE(thinking->show_thinking);
  EXPECT_EQ(thinking->request.think, true);
  EXPECT_TRUE(infinite->request.chat);  // through the chat template, as Ollama does
  auto raw = parse_ollama_generate(R"({"model": "m", "prompt": "p", "raw": true})");
  ASSERT_TRUE(raw.has_value());
  EXPECT_FALSE(raw->request.chat);
  EXPECT_EQ(raw->request.prompt, "p");
  auto load = parse_ollama_generate(R"({"model": "m"})");
  ASSERT_TRUE(load.has_value());
  EXPECT_TRUE(load->load_only);

  auto bad = parse_ollama_generate(R"({"model": "m", "prompt": "p", "options": {"top_k": "many"}})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().param, "options.top_k");
}

TEST(ServerRequest, ApiKeyCheck) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abd", "abc"));
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "abc"));
  EXPECT_TRUE(authorized("Bearer k3y", "k3y"));
  EXPECT_TRUE(authorized("bearer k3y ", "k3y"));
  EXPECT_FALSE(authorized("Basic k3y", "k3y"));
  EXPECT_FALSE(authorized("Bearer", "k3y"));
  EXPECT_FALSE(authorized("", "k3y"));
  EXPECT_FALSE(authorized("Bearer k3", "k3y"));
}

TEST(ServerRequest, IntegerFieldBounds) {
  auto obj = nlohmann::json::parse(R"({"a": 18446744073709551615, "b": 3.0, "c": true})");
  EXPECT_FALSE(integer_field(obj, "a", 0, 100).has_value());
  auto b = integer_field(obj, "b", 0, 100);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(**b, 3);
  EXPECT_FALSE(integer_field(obj, "c", 0, 100).has_value());
  EXPECT_FALSE((*integer_field(obj, "missing", 0, 1)).has_value());
}

}  // namespace
}  // namespace npu::server
