// genai::ChatTemplate: the built-in templates (for models without one), how typed ChatMessages
// reach a template (reasoning, OpenAI-style tool_calls), template kwargs, the choice of built-in
// by architecture and name, and the errors a caller can cause.
#include "npu/genai/chat_template.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace npu::genai {
namespace {

const TemplateTokens kTokens{"<|startoftext|>", "<|im_end|>", "", ""};
const std::string kWeatherTool =
    R"({"name":"get_weather","description":"Météo","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}})";
const std::string kWeatherToolTojson =
    R"({"name": "get_weather", "description": "Météo", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}})";

std::string render(BuiltinTemplate kind, const std::vector<ChatMessage>& messages,
                   const std::vector<std::string>& tools = {}, const ChatOptions& options = {}) {
  auto r = ChatTemplate::builtin(kind, kTokens).render(messages, tools, options);
  EXPECT_TRUE(r) << r.error().what();
  return r ? *r : std::string();
}

TEST(ChatTemplate, Lfm2SystemUserAssistant) {
  const std::vector<ChatMessage> messages = {
      {"system", "You are helpful.", "", {}},
      {"user", "What is C. elegans?", "", {}},
      {"assistant", "A nematode.", "", {}},
      {"user", "Thanks!", "", {}}};
  EXPECT_EQ(render(BuiltinTemplate::kLfm2, messages),
            "<|startoftext|><|im_start|>system\nYou are helpful.<|im_end|>\n"
            "<|im_start|>user\nWhat is C. elegans?<|im_end|>\n"
            "<|im_start|>assistant\nA nematode.<|im_end|>\n"
            "<|im_start|>user\nThanks!<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(render(BuiltinTemplate::kLfm2, {{"user", "Hi", "", {}}}, {}, {.add_generation_prompt = false, .template_kwargs_json = {}}),
            "<|startoftext|><|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplate, Lfm2ToolListAndToolResponse) {
  const std::vector<ChatMessage> messages = {
      {"system", "Be brief.", "", {}},
      {"user", "Weather in Paris?", "", {}},
      {"assistant", "<|tool_call_start|>[get_weather(city=\"Paris\")]<|tool_call_end|>", "", {}},
      {"tool", "[{\"temp\": 21}]", "", {}}};
  EXPECT_EQ(render(BuiltinTemplate::kLfm2, messages, {kWeatherTool}),
            "<|startoftext|><|im_start|>system\nBe brief.\nList of tools: <|tool_list_start|>[" + kWeatherToolTojson +
                "]<|tool_list_end|><|im_end|>\n"
                "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                "<|im_start|>assistant\n<|tool_call_start|>[get_weather(city=\"Paris\")]<|tool_call_end|><|im_end|>\n"
                "<|im_start|>tool\n<|tool_response_start|>[{\"temp\": 21}]<|tool_response_end|><|im_end|>\n"
                "<|im_start|>assistant\n");
  EXPECT_EQ(render(BuiltinTemplate::kLfm2, {{"user", "x", "", {}}}, {R"({"name":"a"})", R"({"name":"b"})"}),
            "<|startoftext|><|im_start|>system\nList of tools: <|tool_list_start|>[{\"name\": \"a\"}, "
            "{\"name\": \"b\"}]<|tool_list_end|><|im_end|>\n<|im_start|>user\nx<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplate, Lfm25DropsEarlierReasoningUnlessKept) {
  // Reasoning reaches the template inside the content, as the model wrote it; LFM2.5 drops it
  // (and the Unicode whitespace after it) from every assistant turn but the last.
  const std::vector<ChatMessage> messages = {
      {"user", "1+1?", "", {}},
      {"assistant", "\u3000It is 2.\u00a0", "add them", {}},
      {"user", "2+2?", "", {}},
      {"assistant", "4", "again", {}}};
  EXPECT_EQ(render(BuiltinTemplate::kLfm25, messages, {}, {.add_generation_prompt = false, .template_kwargs_json = {}}),
            "<|startoftext|><|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\nIt is 2.<|im_end|>\n"
            "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>again</think>4<|im_end|>\n");
  EXPECT_EQ(render(BuiltinTemplate::kLfm25, messages, {},
                   {.add_generation_prompt = false, .template_kwargs_json = R"({"keep_past_thinking": true})"}),
            "<|startoftext|><|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n<think>add them</think>"
            "\u3000It is 2.\u00a0<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"
            "<think>again</think>4<|im_end|>\n");
}

TEST(ChatTemplate, MessagesReachTheTemplateAsHuggingFacePassesThem) {
  // A template that prints what it is given: tool_calls in OpenAI form with arguments as a dict,
  // reasoning as reasoning_content when the template reads that key.
  auto t = ChatTemplate::compile(
      "{% for m in messages %}{{ m.role }}|{{ m.content }}|{{ m.reasoning_content | default('-') }}|"
      "{{ m.tool_calls | default([]) | tojson }}\n{% endfor %}{{ bos_token }}{{ eos_token }}{{ tools | tojson }}",
      kTokens);
  ASSERT_TRUE(t) << t.error().what();
  const std::vector<ChatMessage> messages = {
      {"user", "hi", "", {}},
      {"assistant", "calling", "plan", {{"get_weather", R"({"city": "Zürich", "days": 2})"}}}};
  const std::vector<std::string> tools = {R"({"name": "get_weather"})"};
  auto r = t->render(messages, tools, {.add_generation_prompt = false, .template_kwargs_json = {}});
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(*r,
            "user|hi|-|[]\n"
            "assistant|calling|plan|[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
            "\"arguments\": {\"city\": \"Zürich\", \"days\": 2}}}]\n"
            "<|startoftext|><|im_end|>[{\"name\": \"get_weather\"}]");
}

TEST(ChatTemplate, RenderJsonPassesMessagesAsGiven) {
  auto t = ChatTemplate::compile("{% for m in messages %}{{ m.role }}:{{ m.content | tojson }}:{{ m.name }};{% endfor %}"
                                 "{{ add_generation_prompt }}{{ tools is none }}{{ enable_thinking }}",
                                 kTokens);
  ASSERT_TRUE(t);
  auto r = t->render_json(R"([{"role": "tool", "content": null, "name": "f"}])", "",
                          {.add_generation_prompt = true, .template_kwargs_json = R"({"enable_thinking": false})"});
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(*r, "tool:null:f;TrueTrueFalse");
}

TEST(ChatTemplate, ChatMlHasNoBos) {
  EXPECT_EQ(render(BuiltinTemplate::kChatMl, {{"system", "S", "", {}}, {"user", "U", "", {}}}, {R"({"name":"t"})"}),
            "<|im_start|>system\nS\nList of tools: [{\"name\": \"t\"}]<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplate, RefusesBadInput) {
  const ChatTemplate t = ChatTemplate::builtin(BuiltinTemplate::kLfm2, kTokens);
  const std::vector<ChatMessage> ok = {{"user", "x", "", {}}};
  const std::vector<std::string> not_json = {"not json"};
  auto bad_tool = t.render(ok, not_json);
  ASSERT_FALSE(bad_tool);
  EXPECT_NE(bad_tool.error().message().find("tool 0 is not a JSON object"), std::string::npos);
  const std::vector<ChatMessage> no_role_messages = {{"", "x", "", {}}};
  auto no_role = t.render(no_role_messages);
  ASSERT_FALSE(no_role);
  EXPECT_NE(no_role.error().message().find("has no role"), std::string::npos);
  const std::vector<ChatMessage> bad_call = {{"assistant", "", "", {{"f", "[1]"}}}};
  auto bad_args = t.render(bad_call);
  ASSERT_FALSE(bad_args);
  EXPECT_NE(bad_args.error().message().find("arguments of tool call 0 ('f')"), std::string::npos);
  auto bad_kwargs = t.render(ok, {}, {.add_generation_prompt = true, .template_kwargs_json = "[1]"});
  ASSERT_FALSE(bad_kwargs);
  EXPECT_NE(bad_kwargs.error().message().find("template kwargs is not a JSON object"), std::string::npos);
  auto reserved = t.render(ok, {}, {.add_generation_prompt = true, .template_kwargs_json = R"({"messages": []})"});
  ASSERT_FALSE(reserved);
  EXPECT_NE(reserved.error().message().find("cannot set 'messages'"), std::string::npos);
  EXPECT_FALSE(t.render_json("{}"));
  EXPECT_FALSE(t.render_json("[1]"));
  // A template failing at run time says where.
  auto raising = ChatTemplate::compile("{% if messages[0].role != 'system' %}{{ raise_exception('needs a system turn') }}{% endif %}", kTokens);
  ASSERT_TRUE(raising);
  auto raised = raising->render(ok);
  ASSERT_FALSE(raised);
  EXPECT_EQ(raised.error().message(),
            "rendering the chat template (model): the template raised an error: needs a system turn (line 1, column 56)");
}

TEST(ChatTemplate, BuiltinForModelsWithoutOne) {
  EXPECT_EQ(ChatTemplate::builtin_for({"lfm2", "LFM2-1.2B", ""}), BuiltinTemplate::kLfm2);
  EXPECT_EQ(ChatTemplate::builtin_for({"lfm2", "LFM2.5-1.2B-Thinking", ""}), BuiltinTemplate::kLfm25);
  EXPECT_EQ(ChatTemplate::builtin_for({"llama", "whatever", ""}), BuiltinTemplate::kChatMl);
  auto own = ChatTemplate::for_model({"lfm2", "LFM2-1.2B", "{{ bos_token }}own"}, kTokens);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->origin(), "model");
  EXPECT_EQ(*own->render({}), "<|startoftext|>own");
  auto builtin = ChatTemplate::for_model({"lfm2", "LFM2.5-350M", ""}, kTokens);
  ASSERT_TRUE(builtin);
  EXPECT_EQ(builtin->origin(), "built-in lfm2.5");
  EXPECT_FALSE(ChatTemplate::for_model({"lfm2", "x", "{% bogus %}"}, kTokens));
}

}  // namespace
}  // namespace npu::genai
