#include "npk/llm_text.hpp"

#include <fmt/format.h>

#include "npu/common/tokenizer_data.hpp"

namespace npu::genai::detail {

Expected<std::shared_ptr<const LlmText>> LlmText::create(const LlmPackage& package) {
  auto text = std::make_shared<LlmText>();
  if (package.tokenizer.empty()) return std::shared_ptr<const LlmText>(std::move(text));
  auto data = TokenizerData::parse(package.tokenizer);
  if (!data) return fail(data.error().with_context(fmt::format("{}: tokenizer section", package.path.string())));
  auto tok = Tokenizer::create(*data);
  if (!tok) return fail(tok.error().with_context(fmt::format("{}: tokenizer section", package.path.string())));
  text->tokenizer.emplace(std::move(*tok));
  text->special = SpecialTokens::find(*text->tokenizer);
  text->end_tokens = text->special.end_of_generation();
  ModelIdentity identity{package.architecture, package.name, data->chat_template};
  std::string bos;
  if (text->special.bos) bos = std::string(text->tokenizer->token_bytes(*text->special.bos));
  text->chat.emplace(ChatTemplate::detect(identity), std::move(bos));
  return std::shared_ptr<const LlmText>(std::move(text));
}

Expected<const Tokenizer*> LlmText::require_tokenizer(std::string_view model_name) const {
  if (!tokenizer) {
    return fail(ErrorCode::kNotFound,
                fmt::format("model '{}' carries no tokenizer: pass token ids (e.g. `--tokens 1,2,3`), "
                            "or recompile it from a GGUF/HF checkpoint that has one", model_name));
  }
  return &*tokenizer;
}

}  // namespace npu::genai::detail
