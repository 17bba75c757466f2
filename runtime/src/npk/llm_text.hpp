// The text side of an LLM, shared by all its sessions: tokenizer, special-token ids and chat
// templates, built from the .npk's tokenizer section. A model without that section still runs on
// token ids; the text features then say why they are unavailable.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "npk/llm_package.hpp"
#include "npu/genai/chat_template.hpp"
#include "npu/genai/special_tokens.hpp"
#include "npu/genai/tokenizer.hpp"

namespace npu::genai::detail {

struct LlmText {
  std::string model_name;
  std::optional<Tokenizer> tokenizer;
  SpecialTokens special;
  std::optional<ChatTemplate> chat;       // the model's default template, or a built-in one
  std::optional<ChatTemplate> tool_chat;  // its "tool_use" template, used when tools are passed
  std::optional<Error> chat_error;        // why the model's template cannot be used
  std::vector<TokenId> end_tokens;        // end a generation turn

  [[nodiscard]] static Expected<std::shared_ptr<const LlmText>> create(const LlmPackage& package);
  [[nodiscard]] Expected<const Tokenizer*> require_tokenizer(std::string_view model_name) const;
  [[nodiscard]] Expected<const ChatTemplate*> require_chat(bool with_tools) const;
  // Chat text -> the tokens a generation feeds: special-token text parsed; BOS added only when
  // the vocabulary asks for it and the text does not already start with it (the template wrote it).
  [[nodiscard]] Expected<std::vector<TokenId>> encode_chat(std::string_view rendered) const;
};

}  // namespace npu::genai::detail
