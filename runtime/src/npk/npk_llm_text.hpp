// The text side of an LLM session of a .npk model, shared by the in-process and npud backends:
// the tokenizer, chat template and sampling defaults the file carries. Prompts and chat messages
// become tokens here and go to the backend's generate(tokens); everything that touches the
// device is left to the derived class.
#pragma once

#include <memory>

#include "backend/llm_backend.hpp"
#include "npk/llm_package.hpp"
#include "npk/llm_text.hpp"

namespace npu::npk {

class NpkLlmText : public backend::LlmBackend {
 public:
  [[nodiscard]] Expected<const genai::Tokenizer*> tokenizer() const override;
  [[nodiscard]] Expected<std::vector<genai::TokenId>> tokenize(std::string_view text) const override;
  [[nodiscard]] genai::GeneratorParams default_params() const override;
  [[nodiscard]] Expected<genai::ModelText> text() const override;

  using backend::LlmBackend::generate;
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(
      std::string_view prompt, const genai::GeneratorParams& params, const genai::LLMHooks& hooks) override;
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(
      std::span<const genai::ChatMessage> messages, std::span<const std::string> tools_json,
      const genai::GeneratorParams& params, const genai::LLMHooks& hooks) override;

 protected:
  NpkLlmText(std::shared_ptr<const genai::detail::LlmPackage> package,
             std::shared_ptr<const genai::detail::LlmText> text)
      : package_(std::move(package)), text_(std::move(text)) {}
  [[nodiscard]] const genai::detail::LlmPackage& package() const noexcept { return *package_; }
  [[nodiscard]] const std::shared_ptr<const genai::detail::LlmPackage>& package_ptr() const noexcept { return package_; }
  [[nodiscard]] const std::shared_ptr<const genai::detail::LlmText>& llm_text() const noexcept { return text_; }

 private:
  std::shared_ptr<const genai::detail::LlmPackage> package_;
  std::shared_ptr<const genai::detail::LlmText> text_;
};

}  // namespace npu::npk
