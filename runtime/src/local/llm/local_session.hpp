// LocalSession: the state of one in-process LLM session. The tokens fed to the device so far
// (position = their count), the token generated last but not yet fed (it becomes the first token
// of the next prompt) and the device side (LlmSessionCore). Shared by the session's backend
// (LocalLlm) and its running GenerationJob.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "local/llm/llm_session_core.hpp"
#include "npk/llm_text.hpp"
#include "npu/genai/llm.hpp"

namespace npu::genai::detail {

struct LocalSession {
  std::shared_ptr<LlmModelCore> model;
  std::shared_ptr<const LlmText> text;
  std::unique_ptr<LlmSessionCore> core;
  LLMInfo info;
  std::vector<TokenId> history;    // fed to the device, in order
  std::optional<TokenId> pending;  // generated last, not fed yet

  [[nodiscard]] static Expected<std::shared_ptr<LocalSession>> create(std::shared_ptr<LlmModelCore> model,
                                                                      std::shared_ptr<const LlmText> text,
                                                                      std::uint8_t priority);

  [[nodiscard]] std::uint32_t capacity() const noexcept { return info.context_length; }
  [[nodiscard]] std::uint32_t used() const noexcept { return static_cast<std::uint32_t>(history.size()); }
  // kInvalidArgument when `count` more tokens do not fit, naming both lengths.
  [[nodiscard]] Expected<void> check_fits(std::size_t count) const;

  // Runs `tokens` at the end of the context (prefill chunks or TBT runs); the last run reads
  // back `readback`. Adds the runs to `stats`. On a device error the context is dropped.
  [[nodiscard]] Expected<StepResult> feed(std::span<const TokenId> tokens, PrefillMode mode, Readback readback,
                                          GenerationStats& stats, bool timing_only = false);
  // The pending token (if any) followed by `tokens`.
  [[nodiscard]] std::vector<TokenId> with_pending(std::span<const TokenId> tokens) const;
  void clear() noexcept;
};

// Adds one step's figures to `stats` (decode: a TBT run of generation, else a prefill run).
void add_step(GenerationStats& stats, const StepTiming& timing, bool decode) noexcept;

}  // namespace npu::genai::detail
