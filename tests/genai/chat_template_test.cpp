#include "npu/genai/chat_template.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace npu::genai {
namespace {

const std::string kBos = "<|startoftext|>";
const std::string kWeatherTool =
    R"({"name":"get_weather","description":"Météo","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}})";
const std::string kWeatherToolTojson =
    R"({"name": "get_weather", "description": "Météo", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}})";

std::string render(ChatTemplateKind kind, const std::vector<ChatMessage>& messages,
                   const std::vector<std::string>& tools = {}, ChatOptions options = {}) {
  auto r = ChatTemplate(kind, kBos).render(messages, tools, options);
  EXPECT_TRUE(r) << r.error().what();
  return r ? *r : std::string();
}

TEST(ChatTemplate, Lfm2SystemUserAssistant) {
  const std::vector<ChatMessage> messages = {
      {"system", "You are helpful.", "", {}},
      {"user", "What is C. elegans?", "", {}},
      {"assistant", "A nematode.", "", {}},
      {"user", "Thanks!", "", {}}};
  EXPECT_EQ(render(ChatTemplateKind::kLfm2, messages),
            "<|startoftext|><|im_start|>system\nYou are helpful.<|im_end|>\n"
            "<|im_start|>user\nWhat is C. elegans?<|im_end|>\n"
            "<|im_start|>assistant\nA nematode.<|im_end|>\n"
            "<|im_start|>user\nThanks!<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(render(ChatTemplateKind::kLfm2, {{"user", "Hi", "", {}}}, {},
                   {.add_generation_prompt = false}),
            "<|startoftext|><|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplate, Lfm2ToolListAndToolResponse) {
  const std::vector<ChatMessage> messages = {
      {"system", "Be brief.", "", {}},
      {"user", "Weather in Paris?", "", {}},
      {"assistant", "<|tool_call_start|>[get_weather(city=\"Paris\")]<|tool_call_end|>", "", {}},
      {"tool", "[{\"temp\": 21}]", "", {}}};
  EXPECT_EQ(render(ChatTemplateKind::kLfm2, messages, {kWeatherTool}),
            "<|startoftext|><|im_start|>system\nBe brief.\nList of tools: <|tool_list_start|>[" +
                kWeatherToolTojson +
                "]<|tool_list_end|><|im_end|>\n"
                "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                "<|im_start|>assistant\n<|tool_call_start|>[get_weather(city=\"Paris\")]"
                "<|tool_call_end|><|im_end|>\n"
                "<|im_start|>tool\n<|tool_response_start|>[{\"temp\": 21}]<|tool_response_end|>"
                "<|im_end|>\n"
                "<|im_start|>assistant\n");
  // Tools without a system message make a system turn of their own; two tools join with ", ".
  EXPECT_EQ(render(ChatTemplateKind::kLfm2, {{"user", "x", "", {}}}, {R"({"name":"a"})", R"({"name":"b"})"}),
            "<|startoftext|><|im_start|>system\nList of tools: <|tool_list_start|>[{\"name\": \"a\"}, "
            "{\"name\": \"b\"}]<|tool_list_end|><|im_end|>\n<|im_start|>user\nx<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplate, Lfm25ToolsLineAndPythonicToolCalls) {
  std::vector<ChatMessage> messages = {{"user", "Weather in Paris?", "", {}}};
  ChatMessage call{"assistant", "Checking.", "", {}};
  call.tool_calls.push_back(
      {"get_weather", R"({"city":"Paris","days":2,"metric":true,"extra":null,"tags":["a",1],"ratio":0.5})"});
  messages.push_back(call);
  messages.push_back({"tool", "sunny", "", {}});
  EXPECT_EQ(render(ChatTemplateKind::kLfm25, messages, {kWeatherTool}),
            "<|startoftext|><|im_start|>system\nList of tools: [" + kWeatherToolTojson +
                "]<|im_end|>\n"
                "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                "<|im_start|>assistant\n<|tool_call_start|>[get_weather(city=\"Paris\", days=2, "
                "metric=True, extra=null, tags=[\"a\", 1], ratio=0.5)]<|tool_call_end|>Checking."
                "<|im_end|>\n"
                "<|im_start|>tool\nsunny<|im_end|>\n"
                "<|im_start|>assistant\n");
}

TEST(ChatTemplate, Lfm25StripsEarlierReasoningOnly) {
  const std::vector<ChatMessage> messages = {
      {"user", "1+1?", "", {}},
      {"assistant", "<think>add them</think>\n\n2", "", {}},
      {"user", "2+2?", "", {}},
      {"assistant", "4", "sum is four", {}}};
  EXPECT_EQ(render(ChatTemplateKind::kLfm25, messages, {}, {.add_generation_prompt = false}),
            "<|startoftext|><|im_start|>user\n1+1?<|im_end|>\n"
            "<|im_start|>assistant\n2<|im_end|>\n"
            "<|im_start|>user\n2+2?<|im_end|>\n"
            "<|im_start|>assistant\n<think>sum is four</think>4<|im_end|>\n");
  EXPECT_EQ(render(ChatTemplateKind::kLfm25, messages, {},
                   {.add_generation_prompt = false, .keep_past_thinking = true}),
            "<|startoftext|><|im_start|>user\n1+1?<|im_end|>\n"
            "<|im_start|>assistant\n<think>add them</think>\n\n2<|im_end|>\n"
            "<|im_start|>user\n2+2?<|im_end|>\n"
            "<|im_start|>assistant\n<think>sum is four</think>4<|im_end|>\n");
  // LFM2 keeps everything as written.
  EXPECT_NE(render(ChatTemplateKind::kLfm2, messages).find("<think>add them</think>"),
            std::string::npos);
}

// A whole LFM2.5 tool round as its Jinja template renders it: the system prompt and the tools
// line share the system turn; an earlier assistant turn loses its reasoning but keeps its calls
// (a float argument keeps Python's "1.0"); the tool result is not wrapped (that is LFM2); the
// last assistant turn keeps its reasoning.
TEST(ChatTemplate, Lfm25ToolRoundWithReasoning) {
  ChatMessage call{"assistant", "", "need the tool", {}};
  call.tool_calls.push_back({"get_weather", R"({"city":"Paris","scale":1.0,"eps":1e-7})"});
  const std::vector<ChatMessage> messages = {
      {"system", "Be brief.", "", {}},
      {"user", "Weather?", "", {}},
      call,
      {"tool", "21C", "", {}},
      {"assistant", "Mild.", "it is mild", {}},
      {"user", "And tomorrow?", "", {}}};
  EXPECT_EQ(render(ChatTemplateKind::kLfm25, messages, {kWeatherTool}),
            "<|startoftext|><|im_start|>system\nBe brief.\nList of tools: [" + kWeatherToolTojson +
                "]<|im_end|>\n"
                "<|im_start|>user\nWeather?<|im_end|>\n"
                "<|im_start|>assistant\n<|tool_call_start|>[get_weather(city=\"Paris\", scale=1.0, "
                "eps=1e-07)]<|tool_call_end|><|im_end|>\n"
                "<|im_start|>tool\n21C<|im_end|>\n"
                "<|im_start|>assistant\n<think>it is mild</think>Mild.<|im_end|>\n"
                "<|im_start|>user\nAnd tomorrow?<|im_end|>\n"
                "<|im_start|>assistant\n");
}

TEST(ChatTemplate, ChatMlFallbackHasNoBos) {
  const ChatTemplate t(ChatTemplateKind::kChatMl, kBos);
  EXPECT_FALSE(t.renders_bos());
  auto r = t.render(std::vector<ChatMessage>{{"system", "S", "", {}}, {"user", "U", "", {}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
                "<|im_start|>assistant\n");
}

TEST(ChatTemplate, RefusesBadToolsAndRoles) {
  const ChatTemplate t(ChatTemplateKind::kLfm2, kBos);
  const std::vector<ChatMessage> user = {{"user", "x", "", {}}};
  const std::vector<std::string> bad_tool = {"{not json"};
  auto r = t.render(user, bad_tool);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  const std::vector<std::string> array_tool = {"[1,2]"};
  EXPECT_FALSE(t.render(user, array_tool));
  EXPECT_FALSE(t.render(std::vector<ChatMessage>{{"", "x", "", {}}}));
  ChatMessage call{"assistant", "", "", {{"f", "[not an object]"}}};
  EXPECT_FALSE(t.render(std::vector<ChatMessage>{call}));
}

TEST(ChatTemplate, DetectsFromTemplateTextThenName) {
  EXPECT_EQ(ChatTemplate::detect({"", "", "... \"List of tools: <|tool_list_start|>[\" ..."}),
            ChatTemplateKind::kLfm2);
  EXPECT_EQ(ChatTemplate::detect({"lfm2", "", "{%- set keep_past_thinking = ... \"List of tools: [\""}),
            ChatTemplateKind::kLfm25);
  EXPECT_EQ(ChatTemplate::detect({"qwen2", "Qwen2-1.5B", "{% for m in messages %}<|im_start|>..."}),
            ChatTemplateKind::kChatMl);
  EXPECT_EQ(ChatTemplate::detect({"lfm2", "LFM2-1.2B", ""}), ChatTemplateKind::kLfm2);
  EXPECT_EQ(ChatTemplate::detect({"lfm2", "LFM2.5-1.2B-Thinking", ""}), ChatTemplateKind::kLfm25);
  EXPECT_EQ(ChatTemplate::detect({"llama", "whatever", ""}), ChatTemplateKind::kChatMl);
}

}  // namespace
}  // namespace npu::genai
