// A genai::LLM session that lives in npud (the npud backend's LlmBackend). The client keeps the
// text side (tokenizer, chat template, special tokens: read from the same .npk, npk/npk_llm_text)
// and a mirror of the context usage; the daemon runs prefill and generation and streams the
// events back.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "npk/llm_package.hpp"
#include "npk/llm_text.hpp"
#include "npk/npk_llm_text.hpp"
#include "remote/remote_vdevice.hpp"

namespace npu::remote {

class RemoteGeneration;

// The daemon's session as this process sees it; its generations update it from their events.
class RemoteLlmSession : public std::enable_shared_from_this<RemoteLlmSession> {
 public:
  // Opens `params.model_path` in npud (weights, session); `info` receives the model's figures.
  [[nodiscard]] static Expected<std::shared_ptr<RemoteLlmSession>> create(const std::shared_ptr<RemoteVDevice>& vdevice,
                                                                         const genai::LLMParams& params,
                                                                         genai::LLMInfo& info);
  // Another session of the same model in npud.
  [[nodiscard]] Expected<std::shared_ptr<RemoteLlmSession>> create_session(genai::LLMInfo& info) const;
  ~RemoteLlmSession();  // aborts a running generation and releases the session in npud
  RemoteLlmSession(const RemoteLlmSession&) = delete;
  RemoteLlmSession& operator=(const RemoteLlmSession&) = delete;

  [[nodiscard]] std::uint32_t used() const noexcept;
  [[nodiscard]] std::optional<genai::TokenId> pending() const noexcept;
  // Mirror of the daemon's context after a reply or the end of a generation.
  void update_context(const nlohmann::json& body);

  // `whole_prompt`: `tokens` is a whole prompt from position 0, and npud keeps the context's
  // common prefix with it (LLM::generate_cached in the daemon: the rewind happens there).
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(std::span<const genai::TokenId> tokens,
                                                                             const genai::GeneratorParams& params,
                                                                             const genai::LLMHooks& hooks,
                                                                             bool whole_prompt = false);
  [[nodiscard]] Expected<genai::GenerationStats> prefill(std::span<const genai::TokenId> tokens, genai::PrefillMode mode);
  [[nodiscard]] std::span<const float> logits() const noexcept { return logits_; }
  [[nodiscard]] Expected<void> clear();
  [[nodiscard]] Expected<void> save(const std::filesystem::path& path);
  [[nodiscard]] Expected<void> load(const std::filesystem::path& path);
  [[nodiscard]] Expected<void> set_priority(std::uint8_t priority);

 private:
  explicit RemoteLlmSession(std::shared_ptr<RemoteVDevice> vdevice) : vdevice_(std::move(vdevice)) {}
  [[nodiscard]] static Expected<std::shared_ptr<RemoteLlmSession>> finish(std::shared_ptr<RemoteLlmSession> session,
                                                                         const nlohmann::json& reply,
                                                                         genai::LLMInfo& info);
  void abort_active() noexcept;
  [[nodiscard]] Connection& connection() const { return *vdevice_->connection(); }

  std::shared_ptr<RemoteVDevice> vdevice_;
  std::uint64_t id_ = 0;
  mutable std::mutex mutex_;  // guards used_, pending_, active_
  std::uint32_t used_ = 0;
  std::optional<genai::TokenId> pending_;
  std::weak_ptr<RemoteGeneration> active_;
  std::vector<float> logits_;
};

class RemoteLlm final : public npk::NpkLlmText {
 public:
  // Opens `params.model_path` here (text side) and in npud.
  [[nodiscard]] static Expected<std::unique_ptr<backend::LlmBackend>> create(std::shared_ptr<RemoteVDevice> vdevice,
                                                                             const genai::LLMParams& params);
  RemoteLlm(std::shared_ptr<RemoteLlmSession> session, std::shared_ptr<const genai::detail::LlmPackage> package,
            std::shared_ptr<const genai::detail::LlmText> text, genai::LLMInfo info)
      : NpkLlmText(std::move(package), std::move(text)), session_(std::move(session)), info_(std::move(info)) {}

  [[nodiscard]] const genai::LLMInfo& info() const noexcept override { return info_; }
  [[nodiscard]] Expected<std::unique_ptr<backend::LlmBackend>> create_session() const override;

  using NpkLlmText::generate;
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params,
      const genai::LLMHooks& hooks) override {
    return session_->generate(tokens, params, hooks);
  }
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate_cached(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params,
      const genai::LLMHooks& hooks) override {
    return session_->generate(tokens, params, hooks, /*whole_prompt=*/true);
  }
  [[nodiscard]] Expected<genai::GenerationStats> prefill(std::span<const genai::TokenId> tokens,
                                                         genai::PrefillMode mode) override {
    return session_->prefill(tokens, mode);
  }
  [[nodiscard]] std::span<const float> logits() const noexcept override { return session_->logits(); }
  [[nodiscard]] std::uint32_t context_usage() const noexcept override { return session_->used(); }
  [[nodiscard]] std::uint32_t context_capacity() const noexcept override { return info_.context_length; }
  [[nodiscard]] std::optional<genai::TokenId> pending_token() const noexcept override { return session_->pending(); }
  [[nodiscard]] Expected<void> clear_context() override { return session_->clear(); }
  [[nodiscard]] Expected<void> save_context(const std::filesystem::path& path) override { return session_->save(path); }
  [[nodiscard]] Expected<void> load_context(const std::filesystem::path& path) override { return session_->load(path); }
  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority) override {
    return session_->set_priority(priority);
  }
  [[nodiscard]] Expected<void> start_device_profile(std::size_t device) override;
  [[nodiscard]] Expected<ProfileData> read_device_profile(std::size_t device) override;
  [[nodiscard]] std::vector<std::pair<std::uint32_t, std::string>> device_contexts(std::size_t) const override {
    return {};
  }

 private:
  std::shared_ptr<RemoteLlmSession> session_;
  genai::LLMInfo info_;
};

}  // namespace npu::remote
