// The prompt of a chat request: the model's chat template run on the request's messages, tools
// and chat_template_kwargs (e.g. enable_thinking, keep_past_thinking), tokenized as a generation
// feeds it. Used by the generation runner and by /tokenize with "messages".
#pragma once

#include "api_error.hpp"
#include "generation_request.hpp"
#include "npu/genai/llm.hpp"
#include "npu/genai/model_text.hpp"

namespace npu::server {

// 400 naming `messages` or `chat_template_kwargs` when the template refuses them.
[[nodiscard]] ApiResult<genai::ChatPrompt> render_chat(const genai::LLM& llm, const GenerationRequest& request,
                                                       bool add_generation_prompt = true);

// The token that opens a tool call in the model's output (LFM2's <|tool_call_start|>): what a
// prompt ends with when tool_choice requires a call. 400 (param tool_choice) for a model without one.
[[nodiscard]] ApiResult<genai::TokenId> tool_call_opening(const genai::LLM& llm);

}  // namespace npu::server
