#include "chat_prompt.hpp"

#include <fmt/format.h>

namespace npu::server {

ApiResult<genai::ChatPrompt> render_chat(const genai::LLM& llm, const GenerationRequest& request,
                                         bool add_generation_prompt) {
  genai::ChatOptions options;
  options.add_generation_prompt = add_generation_prompt;
  if (const auto kwargs = template_kwargs(request); !kwargs.empty()) options.template_kwargs_json = kwargs.dump();
  auto text = llm.text();
  if (!text) return std::unexpected(from_runtime_error(text.error(), "messages"));
  auto prompt = text->apply_chat_template(std::span<const genai::ChatMessage>(request.messages),
                                         std::span<const std::string>(request.tools_json), options);
  if (!prompt) {
    const bool kwargs = prompt.error().message().find("template kwargs") != std::string::npos;
    return std::unexpected(from_runtime_error(prompt.error(), kwargs ? "chat_template_kwargs" : "messages"));
  }
  return std::move(*prompt);
}

nlohmann::json template_kwargs(const GenerationRequest& request) {
  nlohmann::json kwargs = request.chat_template_kwargs.is_object() ? request.chat_template_kwargs : nlohmann::json::object();
  if (request.think && !kwargs.contains("enable_thinking")) kwargs["enable_thinking"] = *request.think;
  return kwargs;
}

bool template_inside_backend(const genai::LLM& llm) {
  auto text = llm.text();
  return !text && text.error().code() == ErrorCode::kUnsupported;
}

std::optional<ApiError> refuse_prompt_fields(const genai::LLM& llm, const GenerationRequest& request) {
  const auto& name = llm.info().name;
  if (!request.chat_template_kwargs.empty()) {
    return ApiError{400,
                    fmt::format("model '{}' renders its chat template inside its runtime (HailoRT), which takes no "
                                "template variables: remove 'chat_template_kwargs'",
                                name),
                    "chat_template_kwargs", "invalid_request", {}};
  }
  if (request.tool_call_required) {
    return ApiError{400,
                    fmt::format("model '{}' renders its chat template inside its runtime (HailoRT), so the server "
                                "cannot open a tool call in the prompt: use tool_choice \"auto\"",
                                name),
                    "tool_choice", "invalid_request", {}};
  }
  return std::nullopt;
}

ApiResult<genai::TokenId> tool_call_opening(const genai::LLM& llm) {
  auto tok = llm.tokenizer();
  if (!tok) return std::unexpected(from_runtime_error(tok.error()));
  if (auto id = (*tok)->token_id("<|tool_call_start|>")) return *id;
  return api_fail(400,
                  fmt::format("model '{}' has no tool-call token (<|tool_call_start|>), so 'tool_choice' cannot "
                              "require a call; use \"auto\" or \"none\"",
                              llm.info().name),
                  "tool_choice");
}

}  // namespace npu::server
