// The prompt of a chat request: the model's chat template run on the request's messages, tools
// and chat_template_kwargs (e.g. enable_thinking, keep_past_thinking), tokenized as a generation
// feeds it. Used by the generation runner and by /tokenize with "messages".
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "api_error.hpp"
#include "generation_request.hpp"
#include "npu/genai/llm.hpp"
#include "npu/genai/model_text.hpp"

namespace npu::server {

// 400 naming `messages` or `chat_template_kwargs` when the template refuses them; 400 naming
// `messages` for a model whose backend renders its template itself (template_inside_backend).
[[nodiscard]] ApiResult<genai::ChatPrompt> render_chat(const genai::LLM& llm, const GenerationRequest& request,
                                                       bool add_generation_prompt = true);

// The template variables a request adds: chat_template_kwargs, and Ollama's `think` as
// enable_thinking unless chat_template_kwargs sets that.
[[nodiscard]] nlohmann::json template_kwargs(const GenerationRequest& request);

// Whether the model's runtime renders the chat template itself (HailoRT's .hef models: the
// server hands it the messages as they are; there is no prompt to see or extend).
[[nodiscard]] bool template_inside_backend(const genai::LLM& llm);

// For such a model: a 400 for what needs the rendered prompt in hand (chat_template_kwargs,
// tool_choice that forces a call), naming the field and what to do instead.
[[nodiscard]] std::optional<ApiError> refuse_prompt_fields(const genai::LLM& llm, const GenerationRequest& request);

// The token that opens a tool call in the model's output (LFM2's <|tool_call_start|>): what a
// prompt ends with when tool_choice requires a call. 400 (param tool_choice) for a model without one.
[[nodiscard]] ApiResult<genai::TokenId> tool_call_opening(const genai::LLM& llm);

}  // namespace npu::server
