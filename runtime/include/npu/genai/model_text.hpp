// ModelText: the text side of a compiled LLM (.npk): its tokenizer and chat templates, read from
// the file without a device (for `npu tokenize`, servers that render prompts, tests). LLM::text()
// gives the same object for an open session.
//
//   NPU_TRY_ASSIGN(auto text, npu::genai::ModelText::open("lfm2.npk"));
//   NPU_TRY_ASSIGN(auto prompt, text.apply_chat_template(messages));
//   // prompt.text: what the template rendered; prompt.tokens: what a generation feeds the model
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/genai/chat_message.hpp"
#include "npu/genai/chat_template.hpp"
#include "npu/genai/tokenizer.hpp"

namespace npu::genai {

namespace detail {
struct LlmText;
}

struct ChatPrompt {
  std::string text;             // the rendered template
  std::vector<TokenId> tokens;  // what the model is fed
};

class ModelText {
 public:
  [[nodiscard]] static Expected<ModelText> open(const std::filesystem::path& npk);
  explicit ModelText(std::shared_ptr<const detail::LlmText> text) : text_(std::move(text)) {}

  // kNotFound when the .npk carries no tokenizer.
  [[nodiscard]] Expected<const Tokenizer*> tokenizer() const;
  // The template a request uses: the model's "tool_use" template when tools are passed and it has
  // one, else its default template (or the built-in one for a model that ships none).
  // kInvalidArgument, naming the construct and where, when the model's template cannot be run.
  [[nodiscard]] Expected<const ChatTemplate*> chat_template(bool with_tools = false) const;

  // Renders the conversation and tokenizes it as a generation does: special-token text becomes
  // special tokens, and BOS is added only when the vocabulary asks for it and the rendered text
  // does not already start with it.
  [[nodiscard]] Expected<ChatPrompt> apply_chat_template(std::span<const ChatMessage> messages,
                                                         std::span<const std::string> tools_json = {},
                                                         const ChatOptions& options = {}) const;
  // The same for messages and tools as JSON array texts (see ChatTemplate::render_json).
  [[nodiscard]] Expected<ChatPrompt> apply_chat_template_json(std::string_view messages_json,
                                                              std::string_view tools_json = {},
                                                              const ChatOptions& options = {}) const;

 private:
  std::shared_ptr<const detail::LlmText> text_;
};

}  // namespace npu::genai
