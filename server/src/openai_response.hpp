// The JSON OpenAI's clients read back, built as vLLM builds it: whole chat / text completions,
// the chunks of a streamed one (role first, content / reasoning / tool-call deltas, the finish,
// the usage chunk), and the model list. Pure functions.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "turn_runner.hpp"

namespace npu::server {

// "chatcmpl-<32 hex>" / "cmpl-..." / "chatcmpl-tool-...": random, unique per request.
[[nodiscard]] std::string random_id(std::string_view prefix);

struct CompletionIds {
  std::string id;       // chatcmpl-... or cmpl-...
  std::string model;
  std::time_t created = 0;
};

// {"prompt_tokens" (the whole prompt), "completion_tokens", "total_tokens",
//  "prompt_tokens_details": {"cached_tokens"} (of the prompt, served from the prompt cache)}.
[[nodiscard]] nlohmann::json usage_json(const TurnOutput& out);
// An assistant message's tool_calls: [{"id", "type": "function", "function": {"name", "arguments": "<JSON text>"}}].
[[nodiscard]] nlohmann::json tool_call_json(const genai::ToolCall& call, const std::string& id);

[[nodiscard]] nlohmann::json chat_completion(const CompletionIds& ids, const TurnOutput& out,
                                             const std::vector<std::string>& tool_call_ids);
[[nodiscard]] nlohmann::json text_completion(const CompletionIds& ids, const TurnOutput& out);

// One chunk of a streamed chat completion: `delta` and a finish reason (empty = null).
[[nodiscard]] nlohmann::json chat_chunk(const CompletionIds& ids, nlohmann::json delta,
                                        std::string_view finish_reason = {});
[[nodiscard]] nlohmann::json text_chunk(const CompletionIds& ids, std::string_view text,
                                        std::string_view finish_reason = {});
// The last chunk when stream_options.include_usage is set: no choices, the usage.
[[nodiscard]] nlohmann::json usage_chunk(const CompletionIds& ids, bool chat, const TurnOutput& out);

// A reasoning delta carries the text under both names clients read: `reasoning` (vLLM >= 0.10)
// and `reasoning_content` (DeepSeek's name, which most clients use).
[[nodiscard]] nlohmann::json reasoning_delta(std::string_view text);

}  // namespace npu::server
