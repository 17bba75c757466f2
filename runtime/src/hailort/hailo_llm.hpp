// A language model compiled by Hailo (.hef) on a HailoRT VDevice: HailoRT's genai::LLM, with the
// LoRA, device-memory and recovery-sequence options of genai::LLMParams. HailoRT runs the whole
// pipeline on the device (tokenizer, chat template, sampling, KV cache), so a session takes text
// and chat messages, not token ids, and its figures are host-measured. One HailoRT LLM holds one
// conversation context; another session loads the model again. Chat messages are the whole
// conversation: the session remembers what it sent and the answer its reader received, and when
// the next conversation extends them (the same messages, that answer as the next assistant turn,
// the same tools) sends only the new messages; otherwise it clears HailoRT's context and sends all.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backend/llm_backend.hpp"
#include "hailort/hailo_generation.hpp"

namespace hailort::genai {
class LLM;
class LLMGeneratorCompletion;
}  // namespace hailort::genai

namespace npu::hailort_backend {

class HailoVDevice;

class HailoLlm final : public backend::LlmBackend {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<HailoLlm>> create(std::shared_ptr<HailoVDevice> vdevice,
                                                                 const genai::LLMParams& params);
  HailoLlm(std::shared_ptr<HailoVDevice> vdevice, genai::LLMParams params, std::unique_ptr<hailort::genai::LLM> llm);
  ~HailoLlm() override;  // aborts a running generation

  [[nodiscard]] const genai::LLMInfo& info() const noexcept override { return info_; }
  // Another session (its own context) of the same model: HailoRT loads the model again.
  [[nodiscard]] Expected<std::unique_ptr<backend::LlmBackend>> create_session() const override;

  // --- text side: HailoRT's, on the device
  [[nodiscard]] Expected<const genai::Tokenizer*> tokenizer() const override;
  [[nodiscard]] Expected<std::vector<genai::TokenId>> tokenize(std::string_view text) const override;
  // The .hef's own generation parameters.
  [[nodiscard]] genai::GeneratorParams default_params() const override { return defaults_; }
  // HailoRT renders the chat template and tokenizes inside its own runtime (on the device).
  [[nodiscard]] Expected<genai::ModelText> text() const override {
    return fail(ErrorCode::kUnsupported,
                "a .hef model's tokenizer and chat template run inside HailoRT: pass chat messages to "
                "generate() instead of rendering them");
  }

  // --- generation. Text in (a raw prompt, or chat messages through the model's own template with
  // tools); token ids are kUnsupported. Settings HailoRT cannot honour are kUnsupported, naming them.
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params,
      const genai::LLMHooks& hooks) override;
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate_cached(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params,
      const genai::LLMHooks& hooks) override {
    return generate(tokens, params, hooks);  // (token ids are refused: no text() to render with)
  }
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(
      std::string_view prompt, const genai::GeneratorParams& params, const genai::LLMHooks& hooks) override;
  [[nodiscard]] Expected<std::shared_ptr<backend::GenerationStream>> generate(
      std::span<const genai::ChatMessage> messages, std::span<const std::string> tools_json,
      const genai::GeneratorParams& params, const genai::LLMHooks& hooks) override;

  // --- context
  [[nodiscard]] Expected<genai::GenerationStats> prefill(std::span<const genai::TokenId> tokens,
                                                         genai::PrefillMode mode) override;
  [[nodiscard]] std::span<const float> logits() const noexcept override { return {}; }
  [[nodiscard]] std::uint32_t context_usage() const noexcept override;
  [[nodiscard]] std::uint32_t context_capacity() const noexcept override { return info_.context_length; }
  [[nodiscard]] std::optional<genai::TokenId> pending_token() const noexcept override { return std::nullopt; }
  [[nodiscard]] Expected<void> clear_context() override;
  // The context as HailoRT saves it, in a file that names the model it came from.
  [[nodiscard]] Expected<void> save_context(const std::filesystem::path& path) override;
  [[nodiscard]] Expected<void> load_context(const std::filesystem::path& path) override;

  // --- device: HailoRT's LLM API has no scheduler priority and keeps no profile.
  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority) override;
  [[nodiscard]] Expected<void> start_device_profile(std::size_t device) override;
  [[nodiscard]] Expected<ProfileData> read_device_profile(std::size_t device) override;
  [[nodiscard]] std::vector<std::pair<std::uint32_t, std::string>> device_contexts(std::size_t) const override {
    return {};
  }

  // The model's end-of-turn sequences (HailoRT's stop tokens as the .hef defines them) and the
  // recovery sequence HailoRT injects after max tokens or an abort.
  [[nodiscard]] const std::vector<std::string>& end_of_turn() const noexcept { return end_of_turn_; }
  [[nodiscard]] const std::string& recovery_sequence() const noexcept { return recovery_; }

 private:
  struct Prepared;
  // Drops the completion of a finished generation (HailoRT allows one at a time); kBusy while
  // one runs.
  [[nodiscard]] Expected<void> release_finished();
  [[nodiscard]] Expected<Prepared> prepare(const genai::GeneratorParams& params, const genai::LLMHooks& hooks,
                                           bool start_in_reasoning);
  [[nodiscard]] std::shared_ptr<HailoGeneration> start_generation(
      std::unique_ptr<hailort::genai::LLMGeneratorCompletion> completion, Prepared prepared,
      std::uint32_t prompt_tokens, std::chrono::steady_clock::time_point started, std::uint32_t cached_tokens = 0,
      std::shared_ptr<HailoReply> reply = nullptr);
  // How many leading messages of `messages` HailoRT's context holds (the conversation sent last
  // and its answer), 0 when it does not extend them.
  [[nodiscard]] std::size_t held_messages(std::span<const genai::ChatMessage> messages,
                                          std::span<const std::string> tools_json) const;
  void forget_conversation() noexcept;
  [[nodiscard]] Expected<void> load_model_facts();

  std::shared_ptr<HailoVDevice> vdevice_;
  genai::LLMParams params_;
  std::unique_ptr<hailort::genai::LLM> llm_;
  genai::LLMInfo info_;
  genai::GeneratorParams defaults_;
  std::vector<std::string> end_of_turn_;  // the .hef's stop tokens
  std::vector<std::string> stop_tokens_;  // what HailoRT has set now
  std::string recovery_;
  std::uint32_t recovery_tokens_ = 0;
  bool template_opens_think_ = false;
  std::mutex mutex_;  // guards active_
  std::weak_ptr<HailoGeneration> active_;
  // The conversation HailoRT's context holds: the messages sent and the tools, then the answer.
  std::vector<genai::ChatMessage> sent_;
  std::vector<std::string> sent_tools_;
  std::shared_ptr<HailoReply> reply_;
};

}  // namespace npu::hailort_backend
