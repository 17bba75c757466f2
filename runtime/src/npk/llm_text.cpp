#include "npk/llm_text.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "npu/common/tokenizer_data.hpp"

namespace npu::genai::detail {

Expected<std::shared_ptr<const LlmText>> LlmText::create(const LlmPackage& package) {
  auto text = std::make_shared<LlmText>();
  text->model_name = package.name;
  if (package.tokenizer.empty()) return std::shared_ptr<const LlmText>(std::move(text));
  auto data = TokenizerData::parse(package.tokenizer);
  if (!data) return fail(data.error().with_context(fmt::format("{}: tokenizer section", package.path.string())));
  auto tok = Tokenizer::create(*data);
  if (!tok) return fail(tok.error().with_context(fmt::format("{}: tokenizer section", package.path.string())));
  text->tokenizer.emplace(std::move(*tok));
  text->special = SpecialTokens::find(*text->tokenizer);
  text->end_tokens = text->special.end_of_generation();
  for (TokenId id : package.end_of_turn_ids) {  // every end-of-turn id the model names (Llama 3: several)
    if (std::find(text->end_tokens.begin(), text->end_tokens.end(), id) == text->end_tokens.end()) {
      text->end_tokens.push_back(id);
    }
  }
  const auto token_text = [&](std::optional<TokenId> id) {
    return id ? std::string(text->tokenizer->token_bytes(*id)) : std::string();
  };
  TemplateTokens tokens{token_text(text->special.bos), token_text(text->special.eos),
                        token_text(text->special.pad),
                        data->unk_id >= 0 ? token_text(data->unk_id) : std::string()};
  // A template the engine cannot run does not stop the model: token ids and plain prompts still
  // work, and a chat request says why it cannot be served.
  auto chat = ChatTemplate::for_model({package.architecture, package.name, data->chat_template}, tokens);
  if (chat) text->chat.emplace(std::move(*chat));
  else text->chat_error = chat.error().with_context(package.path.string());
  for (const auto& [name, source] : data->named_chat_templates) {
    if (name != "tool_use") continue;
    auto tool = ChatTemplate::compile(source, tokens);
    if (tool) text->tool_chat.emplace(std::move(*tool));
    else if (!text->chat_error) text->chat_error = tool.error().with_context(fmt::format("{} (tool_use)", package.path.string()));
  }
  return std::shared_ptr<const LlmText>(std::move(text));
}

Expected<const Tokenizer*> LlmText::require_tokenizer(std::string_view name) const {
  if (!tokenizer) {
    return fail(ErrorCode::kNotFound,
                fmt::format("model '{}' carries no tokenizer: pass token ids (e.g. `--tokens 1,2,3`), "
                            "or recompile it from a GGUF/HF checkpoint that has one", name));
  }
  return &*tokenizer;
}

Expected<const ChatTemplate*> LlmText::require_chat(bool with_tools) const {
  NPU_TRY(require_tokenizer(model_name));
  if (chat_error) {
    return fail(chat_error->with_context(
        "the model's chat template cannot be run (recompile with `npu compile --chat-template FILE` to "
        "give it one that can)"));
  }
  if (with_tools && tool_chat) return &*tool_chat;
  return &*chat;
}

Expected<std::vector<TokenId>> LlmText::encode_chat(std::string_view rendered) const {
  NPU_TRY_ASSIGN(const Tokenizer* tok, require_tokenizer(model_name));
  NPU_TRY_ASSIGN(auto tokens, tok->encode(rendered, EncodeOptions{.add_special = false}));
  if (tok->add_bos() && special.bos && (tokens.empty() || tokens.front() != *special.bos)) {
    tokens.insert(tokens.begin(), *special.bos);
  }
  return tokens;
}

}  // namespace npu::genai::detail
