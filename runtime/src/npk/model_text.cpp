#include "npu/genai/model_text.hpp"

#include "llm_package.hpp"
#include "llm_text.hpp"

namespace npu::genai {

Expected<ModelText> ModelText::open(const std::filesystem::path& npk) {
  NPU_TRY_ASSIGN(auto package, detail::LlmPackage::open(npk));
  NPU_TRY_ASSIGN(auto text, detail::LlmText::create(*package));
  return ModelText(std::move(text));
}

Expected<const Tokenizer*> ModelText::tokenizer() const { return text_->require_tokenizer(text_->model_name); }

Expected<const ChatTemplate*> ModelText::chat_template(bool with_tools) const {
  return text_->require_chat(with_tools);
}

Expected<ChatPrompt> ModelText::apply_chat_template(std::span<const ChatMessage> messages,
                                                    std::span<const std::string> tools_json,
                                                    const ChatOptions& options) const {
  NPU_TRY_ASSIGN(const ChatTemplate* chat, chat_template(!tools_json.empty()));
  ChatPrompt p;
  NPU_TRY_ASSIGN(p.text, chat->render(messages, tools_json, options));
  NPU_TRY_ASSIGN(p.tokens, text_->encode_chat(p.text));
  return p;
}

Expected<ChatPrompt> ModelText::apply_chat_template_json(std::string_view messages_json, std::string_view tools_json,
                                                         const ChatOptions& options) const {
  const bool with_tools = !tools_json.empty() && tools_json.find_first_not_of(" \t\r\n[]") != std::string_view::npos;
  NPU_TRY_ASSIGN(const ChatTemplate* chat, chat_template(with_tools));
  ChatPrompt p;
  NPU_TRY_ASSIGN(p.text, chat->render_json(messages_json, tools_json, options));
  NPU_TRY_ASSIGN(p.tokens, text_->encode_chat(p.text));
  return p;
}

}  // namespace npu::genai
