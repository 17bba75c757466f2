#include "npk/npk_llm_text.hpp"

namespace npu::npk {

using genai::TokenId;

Expected<const genai::Tokenizer*> NpkLlmText::tokenizer() const { return text_->require_tokenizer(info().name); }

Expected<std::vector<TokenId>> NpkLlmText::tokenize(std::string_view text) const {
  NPU_TRY_ASSIGN(const genai::Tokenizer* tok, tokenizer());
  return tok->encode(text, genai::EncodeOptions{.add_special = context_usage() == 0 && !pending_token()});
}

Expected<genai::ModelText> NpkLlmText::text() const { return genai::ModelText(text_); }

genai::GeneratorParams NpkLlmText::default_params() const {
  genai::GeneratorParams p;
  static_cast<genai::SamplingParams&>(p) = package_->defaults;
  return p;
}

Expected<std::shared_ptr<backend::GenerationStream>> NpkLlmText::generate(std::string_view prompt,
                                                                         const genai::GeneratorParams& params,
                                                                         const genai::LLMHooks& hooks) {
  NPU_TRY_ASSIGN(auto tokens, tokenize(prompt));
  return generate(std::span<const TokenId>(tokens), params, hooks);
}

Expected<std::shared_ptr<backend::GenerationStream>> NpkLlmText::generate(
    std::span<const genai::ChatMessage> messages, std::span<const std::string> tools_json,
    const genai::GeneratorParams& params, const genai::LLMHooks& hooks) {
  const auto& text = *text_;
  NPU_TRY_ASSIGN(const genai::ChatTemplate* chat, text.require_chat(!tools_json.empty()));
  NPU_TRY_ASSIGN(std::string rendered, chat->render(messages, tools_json));
  // The whole conversation, as a fresh session would run it; the context keeps what it shares.
  NPU_TRY_ASSIGN(auto tokens, text.encode_chat(rendered));
  return generate_cached(std::span<const TokenId>(tokens), params, hooks);
}

}  // namespace npu::npk
