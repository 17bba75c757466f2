// LocalSession: the state of one in-process LLM session. The tokens fed to the device so far
// (position = their count), the token generated last but not yet fed (it becomes the first token
// of the next prompt) and the device side (LlmSessionCore). Shared by the session's backend
// (LocalLlm) and its running GenerationJob.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "local/llm/llm_session_core.hpp"
#include "npk/llm_text.hpp"
#include "npu/genai/llm.hpp"

namespace npu::genai::detail {

// One device run that fed tokens of the history (replayed as it was after a device reset: the
// same subnets over the same tokens rebuild bit-identical KV cache and conv state).
struct FedRun {
  Subnet subnet = Subnet::kTbt;
  std::uint32_t tokens = 0;
  bool timing_only = false;
};

// One recovery from a device reset, or a move off a removed device, for the generation to report.
struct Recovery {
  Error cause;
  std::uint32_t replayed_tokens = 0;
  std::chrono::nanoseconds time{0};
  std::string moved_from, moved_to;  // device ids of a move (empty after a reset)
};

// The recurrent part of the device state (LlmPackage::recurrent_state: the conv state) as it was
// when the context held its first `position` tokens: a point the context rewinds to exactly (the
// KV cache below a position stays valid by itself). Taken at the end of each prompt and of each
// generation, and from a loaded context.
struct Checkpoint {
  std::uint32_t position = 0;
  std::vector<std::byte> recurrent;
};

// Checkpoints a session keeps (the oldest go first); each is the conv state only, a few hundred
// KiB for a 1B-class LFM2.
inline constexpr std::size_t kMaxCheckpoints = 32;

// A step that fails this many times in a row, recovering in between, ends with its error.
inline constexpr int kMaxRecoveriesPerStep = 3;

struct LocalSession {
  std::shared_ptr<LlmModelCore> model;
  std::shared_ptr<const LlmText> text;
  std::unique_ptr<LlmSessionCore> core;
  LLMInfo info;
  std::vector<TokenId> history;    // fed to the device, in order
  std::optional<TokenId> pending;  // generated last, not fed yet
  // How history was fed: a loaded context's state (covering its first base_tokens tokens), then
  // the runs since. What a recovery restores.
  std::shared_ptr<const std::vector<std::byte>> base_state;
  std::uint32_t base_tokens = 0;
  std::vector<FedRun> runs;
  std::vector<Recovery> recoveries;  // not yet reported (the running generation takes them)
  std::vector<Checkpoint> checkpoints;  // ascending positions, none above used()
  // A move off a removed device whose rebuild has not completed yet (device ids from, to).
  std::optional<std::pair<std::string, std::string>> moved;

  [[nodiscard]] static Expected<std::shared_ptr<LocalSession>> create(std::shared_ptr<LlmModelCore> model,
                                                                      std::shared_ptr<const LlmText> text,
                                                                      std::uint8_t priority);

  [[nodiscard]] std::uint32_t capacity() const noexcept { return info.context_length; }
  [[nodiscard]] std::uint32_t used() const noexcept { return static_cast<std::uint32_t>(history.size()); }
  // kInvalidArgument when `count` more tokens do not fit, naming both lengths.
  [[nodiscard]] Expected<void> check_fits(std::size_t count) const;
  // kInvalidArgument naming the first id outside the vocabulary.
  [[nodiscard]] Expected<void> check_tokens(std::span<const TokenId> tokens) const;

  // Runs `tokens` at the end of the context (prefill chunks or TBT runs); the last run reads
  // back `readback`. Adds the runs to `stats`. On a device error the context is dropped. When
  // `abort` turns true, stops between runs with kAborted (the context then holds the runs done).
  [[nodiscard]] Expected<StepResult> feed(std::span<const TokenId> tokens, PrefillMode mode, Readback readback,
                                          GenerationStats& stats, bool timing_only = false,
                                          const std::atomic<bool>* abort = nullptr);
  // Runs one step at the end of the context and records it in history. When the device was reset
  // under it (kDeviceError or kTimeout: firmware crash or hang, DMA or memory error; the driver
  // re-booted the device), restores the context — the loaded state, then every run again — and
  // runs the step again, noting a Recovery. When the device was removed (kDeviceLost) and the
  // VDevice has another device, the session moves there and restores its context the same way.
  // A removed device with nowhere to go, no room on the other device, or a step that keeps
  // failing ends with the error, the context dropped.
  [[nodiscard]] Expected<StepResult> step(const StepRequest& request);
  // A context state written from outside (load_context) with the history it covers and the
  // checkpoints saved with it (ascending, below the end; kBadFormat when one does not fit the
  // model's recurrent state). The state itself becomes the checkpoint at the end.
  [[nodiscard]] Expected<void> restore(std::vector<std::byte> state, std::vector<TokenId> tokens,
                                       std::vector<Checkpoint> saved_checkpoints = {});
  // How many leading tokens of `prompt` (a whole prompt, from position 0) the context can keep:
  // the longest common prefix of the prompt and the context (history, then the pending token),
  // less the prompt's last token (its logits must be computed), lowered to a position the
  // context rewinds to exactly — its end, a checkpoint, any position when the model has no
  // recurrent state — or 0.
  [[nodiscard]] std::uint32_t reusable_prefix(std::span<const TokenId> prompt) const;
  // Cuts the context to its first `position` tokens, a value reusable_prefix() returned: drops
  // the pending token, the later tokens and checkpoints, restores the checkpoint's recurrent
  // state on the device and cuts the runs a recovery replays at `position` (below a loaded
  // state, that state with the checkpoint's recurrent part becomes what a recovery restores).
  // 0 clears. A device
  // reset under it is recovered from (the runs kept are replayed); any other error drops the
  // context.
  [[nodiscard]] Expected<void> rewind(std::uint32_t position);
  // Records a checkpoint at the end of the history (reads the recurrent state from the device).
  // Best effort: a checkpoint that cannot be read is left out (it only limits later reuse).
  void checkpoint() noexcept;
  // The pending token (if any) followed by `tokens`.
  [[nodiscard]] std::vector<TokenId> with_pending(std::span<const TokenId> tokens) const;
  void clear() noexcept;

 private:
  [[nodiscard]] const std::optional<std::vector<StateRange>>& recurrent_state() const noexcept;
  void add_checkpoint(Checkpoint checkpoint);
  // Rebuilds the device state of `history` after a reset: the loaded state, then every run.
  [[nodiscard]] Expected<void> rebuild();
  // After a step failed with `cause`: moves off a removed device (kDeviceLost) when it can, then
  // rebuilds, noting a Recovery. The error when the session cannot go on.
  [[nodiscard]] Expected<void> recover(const Error& cause);
};

// Adds one step's figures to `stats` (decode: a TBT run of generation, else a prefill run).
void add_step(GenerationStats& stats, const StepTiming& timing, bool decode) noexcept;
// Takes the session's recoveries not yet reported, counting them (and their time) in `stats`;
// returns them (for a generation's recovery notices).
std::vector<Recovery> take_recoveries(LocalSession& session, GenerationStats& stats);

}  // namespace npu::genai::detail
