// The text side of an LLM, shared by all its sessions: tokenizer, special-token ids and chat
// template, built from the .npk's tokenizer section. A model without that section still runs on
// token ids; the text features then say why they are unavailable.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "npk/llm_package.hpp"
#include "npu/genai/chat_template.hpp"
#include "npu/genai/special_tokens.hpp"
#include "npu/genai/tokenizer.hpp"

namespace npu::genai::detail {

struct LlmText {
  std::optional<Tokenizer> tokenizer;
  SpecialTokens special;
  std::optional<ChatTemplate> chat;
  std::vector<TokenId> end_tokens;  // end a generation turn

  [[nodiscard]] static Expected<std::shared_ptr<const LlmText>> create(const LlmPackage& package);
  [[nodiscard]] Expected<const Tokenizer*> require_tokenizer(std::string_view model_name) const;
};

}  // namespace npu::genai::detail
