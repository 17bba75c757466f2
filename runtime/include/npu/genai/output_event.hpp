// The typed events a generation streams to the application.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "npu/genai/chat_message.hpp"

namespace npu::genai {

enum class EndReason {
  kEndOfGeneration,  // the model emitted an end-of-turn token (EOS, <|im_end|>, ...)
  kStopToken,        // a caller-supplied stop token
  kMaxTokens,        // the caller's token limit was reached
  kAborted,          // the caller aborted
  kError,            // the device or the stack failed (the session reports the Error)
};
[[nodiscard]] std::string_view to_string(EndReason reason) noexcept;

struct OutputEvent {
  enum class Kind {
    kContent,    // answer text (valid UTF-8)
    kReasoning,  // text inside <think>...</think>; only when reasoning is shown
    kStatus,     // e.g. "Analyzing..." when the model starts thinking
    kToolCall,   // `text` is the JSON array of calls; `tool_calls` the same, structured
    kEnd,        // last event of a generation; `end_reason` says why
  };
  Kind kind = Kind::kContent;
  std::string text;
  std::vector<ToolCall> tool_calls;  // kToolCall
  std::string warning;               // kContent from a malformed tool call: what was wrong
  EndReason end_reason = EndReason::kEndOfGeneration;  // kEnd
};
[[nodiscard]] std::string_view to_string(OutputEvent::Kind kind) noexcept;

}  // namespace npu::genai
