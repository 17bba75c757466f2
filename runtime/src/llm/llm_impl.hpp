// LLM::Impl: one session. The tokens fed to the device so far (position = their count), the
// token generated last but not yet fed (it becomes the first token of the next prompt), the
// device side (LlmSessionCore) and the running generation, if any.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "llm_session_core.hpp"
#include "llm_text.hpp"
#include "npu/genai/llm.hpp"

namespace npu::genai {

namespace detail {
class GenerationJob;
}
}  // namespace npu::genai
namespace npu::remote {
class RemoteLlmSession;
}
namespace npu::genai {

struct LLM::Impl {
  std::shared_ptr<detail::LlmModelCore> model;
  std::shared_ptr<const detail::LlmText> text;
  std::unique_ptr<detail::LlmSessionCore> core;
  LLMInfo info;
  std::vector<TokenId> history;    // fed to the device, in order
  std::optional<TokenId> pending;  // generated last, not fed yet
  LLMHooks hooks;
  std::mutex mutex;                // guards `active`
  std::weak_ptr<detail::GenerationJob> active;
  // A session of a multi-process VDevice lives in npud: then `remote` is set and `model`, `core`
  // and `history` are unused (text and info are local copies).
  std::shared_ptr<remote::RemoteLlmSession> remote;

  [[nodiscard]] static Expected<std::shared_ptr<Impl>> create(std::shared_ptr<detail::LlmModelCore> model,
                                                              std::shared_ptr<const detail::LlmText> text,
                                                              std::uint8_t priority);
  ~Impl();

  [[nodiscard]] std::uint32_t capacity() const noexcept { return info.context_length; }
  [[nodiscard]] std::uint32_t used() const noexcept;
  [[nodiscard]] std::optional<TokenId> pending_token() const noexcept;
  [[nodiscard]] const detail::LlmPackage& package() const noexcept;
  // kBusy while a generation runs.
  [[nodiscard]] Expected<void> check_idle();
  // kInvalidArgument when `count` more tokens do not fit, naming both lengths.
  [[nodiscard]] Expected<void> check_fits(std::size_t count) const;

  // Runs `tokens` at the end of the context (prefill chunks or TBT runs); the last run reads
  // back `readback`. Adds the runs to `stats`. On a device error the context is dropped.
  [[nodiscard]] Expected<detail::StepResult> feed(std::span<const TokenId> tokens, PrefillMode mode,
                                                  detail::Readback readback, GenerationStats& stats,
                                                  bool timing_only = false);
  // The pending token (if any) followed by `tokens`.
  [[nodiscard]] std::vector<TokenId> with_pending(std::span<const TokenId> tokens) const;
  void clear() noexcept;
};

// Adds one step's figures to `stats` (decode: a TBT run of generation, else a prefill run).
void add_step(GenerationStats& stats, const detail::StepTiming& timing, bool decode) noexcept;

}  // namespace npu::genai
