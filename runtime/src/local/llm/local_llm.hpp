// The in-process LLM session backend: a LocalSession (context, device side) over an LlmModelCore
// (weights on each device of a LocalVDevice), generating on GenerationJob threads.
#pragma once

#include <memory>

#include "local/llm/local_session.hpp"
#include "local/llm/token_chooser.hpp"
#include "local/local_vdevice.hpp"
#include "npk/npk_llm_text.hpp"

namespace npu::local {

class LocalLlm final : public npk::NpkLlmText {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<backend::LlmBackend>> create(std::shared_ptr<LocalVDevice> vdevice,
                                                                             const genai::LLMParams& params);
  explicit LocalLlm(std::shared_ptr<genai::detail::LocalSession> session);

  [[nodiscard]] const genai::LLMInfo& info() const noexcept override { return session_->info; }
  [[nodiscard]] Expected<std::unique_ptr<backend::LlmBackend>> create_session() const override;

  using NpkLlmText::generate;
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params,
      const genai::LLMHooks& hooks) override;
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate_cached(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params,
      const genai::LLMHooks& hooks) override;

  [[nodiscard]] Expected<genai::GenerationStats> prefill(std::span<const genai::TokenId> tokens,
                                                         genai::PrefillMode mode) override;
  [[nodiscard]] std::span<const float> logits() const noexcept override { return session_->core->logits(); }
  [[nodiscard]] std::uint32_t context_usage() const noexcept override { return session_->used(); }
  [[nodiscard]] std::uint32_t context_capacity() const noexcept override { return session_->capacity(); }
  [[nodiscard]] std::optional<genai::TokenId> pending_token() const noexcept override { return session_->pending; }
  [[nodiscard]] Expected<void> clear_context() override;
  [[nodiscard]] Expected<void> save_context(const std::filesystem::path& path) override;
  [[nodiscard]] Expected<void> load_context(const std::filesystem::path& path) override;

  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority) override;
  [[nodiscard]] Expected<void> start_device_profile(std::size_t device) override;
  [[nodiscard]] Expected<ProfileData> read_device_profile(std::size_t device) override;
  [[nodiscard]] std::vector<std::pair<std::uint32_t, std::string>> device_contexts(std::size_t device) const override;

  // The session's state, for components built on it (recovery).
  [[nodiscard]] const std::shared_ptr<genai::detail::LocalSession>& session() const noexcept { return session_; }

 private:
  [[nodiscard]] Expected<driver::Driver*> profiled_driver(std::size_t device) const;
  // The sampling of `params` (refusing what is invalid before the context changes).
  [[nodiscard]] Expected<genai::detail::TokenChooser> chooser_for(const genai::GeneratorParams& params) const;
  [[nodiscard]] std::shared_ptr<backend::GenerationStream> start(std::vector<genai::TokenId> prompt,
                                                                 const genai::GeneratorParams& params,
                                                                 genai::detail::TokenChooser chooser,
                                                                 const genai::LLMHooks& hooks, std::uint32_t cached);

  std::shared_ptr<genai::detail::LocalSession> session_;
};

}  // namespace npu::local
