// A genai::LLM session that lives in npud. The client keeps the text side (tokenizer, chat
// template, special tokens: read from the same .npk) and a mirror of the context usage; the
// daemon runs prefill and generation and streams the events back.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "../llm/llm_impl.hpp"
#include "../llm/llm_package.hpp"
#include "../llm/llm_text.hpp"
#include "remote_vdevice.hpp"

namespace npu::remote {

class RemoteGeneration;

class RemoteLlmSession : public std::enable_shared_from_this<RemoteLlmSession> {
 public:
  // Opens `params.model_path` here (text side) and in npud (weights, session).
  [[nodiscard]] static Expected<std::shared_ptr<genai::LLM::Impl>> create_impl(
      const std::shared_ptr<RemoteVDevice>& vdevice, const genai::LLMParams& params);
  // Another session of the same model in npud.
  [[nodiscard]] Expected<std::shared_ptr<genai::LLM::Impl>> create_session_impl(
      std::shared_ptr<const genai::detail::LlmText> text) const;
  ~RemoteLlmSession();  // aborts a running generation and releases the session in npud
  RemoteLlmSession(const RemoteLlmSession&) = delete;
  RemoteLlmSession& operator=(const RemoteLlmSession&) = delete;

  [[nodiscard]] const genai::detail::LlmPackage& package() const noexcept { return *package_; }
  [[nodiscard]] std::uint32_t used() const noexcept;
  [[nodiscard]] std::optional<genai::TokenId> pending() const noexcept;
  // Mirror of the daemon's context after a reply or the end of a generation.
  void update_context(const nlohmann::json& body);

  [[nodiscard]] Expected<genai::Generator> generate(std::span<const genai::TokenId> tokens,
                                                    const genai::GeneratorParams& params, const genai::LLMHooks& hooks,
                                                    const std::shared_ptr<const genai::detail::LlmText>& text);
  [[nodiscard]] Expected<genai::GenerationStats> prefill(std::span<const genai::TokenId> tokens, genai::PrefillMode mode);
  [[nodiscard]] std::span<const float> logits() const noexcept { return logits_; }
  [[nodiscard]] Expected<void> clear();
  [[nodiscard]] Expected<void> save(const std::filesystem::path& path);
  [[nodiscard]] Expected<void> load(const std::filesystem::path& path);
  [[nodiscard]] Expected<void> set_priority(std::uint8_t priority);
  void abort_active() noexcept;

 private:
  RemoteLlmSession(std::shared_ptr<RemoteVDevice> vdevice, std::shared_ptr<const genai::detail::LlmPackage> package)
      : vdevice_(std::move(vdevice)), package_(std::move(package)) {}
  [[nodiscard]] static Expected<std::shared_ptr<genai::LLM::Impl>> finish(
      std::shared_ptr<RemoteLlmSession> session, const nlohmann::json& reply,
      std::shared_ptr<const genai::detail::LlmText> text);
  [[nodiscard]] Expected<void> check_idle() const;
  [[nodiscard]] Connection& connection() const { return *vdevice_->connection(); }

  std::shared_ptr<RemoteVDevice> vdevice_;
  std::shared_ptr<const genai::detail::LlmPackage> package_;
  std::uint64_t id_ = 0;
  mutable std::mutex mutex_;  // guards used_, pending_, active_
  std::uint32_t used_ = 0;
  std::optional<genai::TokenId> pending_;
  std::weak_ptr<RemoteGeneration> active_;
  std::vector<float> logits_;
};

}  // namespace npu::remote
