// What genai::LLM runs on: one session of a language model on a VDeviceBackend (weights shared
// by every session of the model, a context of its own). The front (src/api/llm.cpp) keeps the
// running generation, refuses calls while it runs (kBusy) and aborts it when the session goes;
// everything else is the backend's.
//
// In-process and npud sessions of .npk models share their text side (tokenizer, chat template,
// sampling defaults from the file): npk/npk_llm_text.hpp implements the text methods below for
// both. A backend with a text side of its own (HailoRT) implements them itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backend/generation_stream.hpp"
#include "npu/common/error.hpp"
#include "npu/device_profile.hpp"
#include "npu/genai/llm.hpp"

namespace npu::backend {

class LlmBackend {
 public:
  virtual ~LlmBackend() = default;

  [[nodiscard]] virtual const genai::LLMInfo& info() const noexcept = 0;
  // Another, empty session of the same model and weights.
  [[nodiscard]] virtual Expected<std::unique_ptr<LlmBackend>> create_session() const = 0;

  // --- text side
  [[nodiscard]] virtual Expected<const genai::Tokenizer*> tokenizer() const = 0;
  // The tokens of `text` as the next prompt of this session (BOS at the start of an empty context).
  [[nodiscard]] virtual Expected<std::vector<genai::TokenId>> tokenize(std::string_view text) const = 0;
  [[nodiscard]] virtual genai::GeneratorParams default_params() const = 0;
  // The model's tokenizer and chat templates as a ModelText (kNotSupported where the backend's
  // runtime keeps them to itself).
  [[nodiscard]] virtual Expected<genai::ModelText> text() const = 0;

  // --- generation (the front has checked that no generation of this session runs)
  [[nodiscard]] virtual Expected<std::shared_ptr<GenerationStream>> generate(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params, const genai::LLMHooks& hooks) = 0;
  [[nodiscard]] virtual Expected<std::shared_ptr<GenerationStream>> generate(
      std::string_view prompt, const genai::GeneratorParams& params, const genai::LLMHooks& hooks) = 0;
  [[nodiscard]] virtual Expected<std::shared_ptr<GenerationStream>> generate(
      std::span<const genai::ChatMessage> messages, std::span<const std::string> tools_json,
      const genai::GeneratorParams& params, const genai::LLMHooks& hooks) = 0;
  // `tokens` is a whole prompt from position 0: the context keeps what it shares with it (see
  // genai::LLM::generate_cached), the rest runs, then generation.
  [[nodiscard]] virtual Expected<std::shared_ptr<GenerationStream>> generate_cached(
      std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params, const genai::LLMHooks& hooks) = 0;

  // --- context
  [[nodiscard]] virtual Expected<genai::GenerationStats> prefill(std::span<const genai::TokenId> tokens,
                                                                 genai::PrefillMode mode) = 0;
  [[nodiscard]] virtual std::span<const float> logits() const noexcept = 0;
  [[nodiscard]] virtual std::uint32_t context_usage() const noexcept = 0;
  [[nodiscard]] virtual std::uint32_t context_capacity() const noexcept = 0;
  [[nodiscard]] virtual std::optional<genai::TokenId> pending_token() const noexcept = 0;
  [[nodiscard]] virtual Expected<void> clear_context() = 0;
  [[nodiscard]] virtual Expected<void> save_context(const std::filesystem::path& path) = 0;
  [[nodiscard]] virtual Expected<void> load_context(const std::filesystem::path& path) = 0;

  // --- device
  [[nodiscard]] virtual Expected<void> set_scheduler_priority(std::uint8_t priority) = 0;
  // kUnsupported where the device keeps no profile (npud, HailoRT, firmware before ABI 1.1).
  [[nodiscard]] virtual Expected<void> start_device_profile(std::size_t device) = 0;
  [[nodiscard]] virtual Expected<ProfileData> read_device_profile(std::size_t device) = 0;
  [[nodiscard]] virtual std::vector<std::pair<std::uint32_t, std::string>> device_contexts(std::size_t device) const = 0;
};

}  // namespace npu::backend
