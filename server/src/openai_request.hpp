// Parsing the bodies of OpenAI's /v1/chat/completions and /v1/completions (as vLLM accepts them)
// into a GenerationRequest. Pure functions of the body text: no sockets, no model (fuzzable).
// Every refusal is a 400 naming the field (`param`) and what it must be.
#pragma once

#include <string_view>

#include "api_error.hpp"
#include "generation_request.hpp"

namespace npu::server {

[[nodiscard]] ApiResult<GenerationRequest> parse_chat_request(std::string_view body);
[[nodiscard]] ApiResult<GenerationRequest> parse_completion_request(std::string_view body);

// The fields both share (model, stream, sampling, max tokens, stop, n, ...), from a parsed object.
[[nodiscard]] ApiResult<void> parse_common_fields(const nlohmann::json& obj, GenerationRequest& req);

}  // namespace npu::server
