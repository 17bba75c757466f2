#include "chat_prompt.hpp"

#include <fmt/format.h>

namespace npu::server {

ApiResult<genai::ChatPrompt> render_chat(const genai::LLM& llm, const GenerationRequest& request,
                                         bool add_generation_prompt) {
  genai::ChatOptions options;
  options.add_generation_prompt = add_generation_prompt;
  if (!request.chat_template_kwargs.empty()) options.template_kwargs_json = request.chat_template_kwargs.dump();
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
