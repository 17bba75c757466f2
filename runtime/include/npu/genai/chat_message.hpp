// One turn of a conversation, as the chat templates and the LLM session exchange it.
#pragma once

#include <string>
#include <vector>

namespace npu::genai {

// A call the assistant made: the function name and its arguments as a JSON object text
// (what ToolCallParser produces and what an OpenAI-style client sends back).
struct ToolCall {
  std::string name;
  std::string arguments_json = "{}";
  friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

struct ChatMessage {
  std::string role;     // "system", "user", "assistant", "tool" (others are rendered verbatim)
  std::string content;
  std::string reasoning;            // assistant only: text that was inside <think>...</think>
  std::vector<ToolCall> tool_calls; // assistant only
};

}  // namespace npu::genai
