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
  const auto pending = pending_token();
  const bool continuing = context_usage() > 0 || pending;
  if (!continuing) {
    NPU_TRY_ASSIGN(auto tokens, text.encode_chat(rendered));
    return generate(std::span<const TokenId>(tokens), params, hooks);
  }
  // Only the new turns: drop the template's BOS, and restore the newline the template puts
  // after the end-of-turn token that ended the previous answer (it is the pending token).
  const std::string& bos = chat->tokens().bos;
  if (!bos.empty() && rendered.starts_with(bos)) rendered.erase(0, bos.size());
  if (pending && text.special.im_end && *pending == *text.special.im_end) {
    std::string joined(1, '\n');  // (not insert(0, ..): GCC 12 warns falsely on it)
    joined += rendered;
    rendered.swap(joined);
  }
  NPU_TRY_ASSIGN(const genai::Tokenizer* tok, tokenizer());
  NPU_TRY_ASSIGN(auto tokens, tok->encode(rendered, genai::EncodeOptions{.add_special = false}));
  return generate(std::span<const TokenId>(tokens), params, hooks);
}

}  // namespace npu::npk
