// The device side of one LLM session (the context-switch manager's unit of work): a scheduler
// queue of its own, so that sessions and models share devices round-robin within priority, and
// step(), which runs one prefill chunk or one TBT token. A session lives on one device of the
// VDevice (its queue is pinned to that device's worker): the one with the most free memory when
// it was made, so the sessions of a multi-device VDevice spread over its devices. When that
// device is removed, move_off_removed_device() moves the session to another device of the
// VDevice (its state is lost with the device; the caller replays its context there). Per-step
// host work is a few small DMA transfers into buffers allocated once; logits are read back only
// when asked for.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "local/llm/llm_device_session.hpp"

namespace npu::genai::detail {

enum class Readback : std::uint8_t { kNone, kNextToken, kLogits, kBoth };

struct StepRequest {
  Subnet subnet = Subnet::kTbt;
  std::uint32_t position = 0;            // absolute position of tokens[0]
  std::span<const std::int32_t> tokens;  // 1..rows of the subnet
  Readback readback = Readback::kNextToken;
  bool timing_only = false;              // the device skips the values (modeled time only)
};

struct StepTiming {
  std::uint64_t device_cycles = 0, compute_cycles = 0, dma_cycles = 0, ddr_bytes = 0;
  double energy_j = 0;                      // the run's energy as the device reports it
  std::chrono::nanoseconds device_time{0};  // modeled (or measured) time of the run
  std::chrono::nanoseconds host_time{0};    // host wall time of DMA in + RUN + DMA out
  std::chrono::nanoseconds queue_time{0};   // waiting for the scheduler
  std::size_t device = 0;
};

// A session moved off a removed device (indices into the VDevice).
struct DeviceMove {
  std::size_t from = 0, to = 0;
};

struct StepResult {
  std::int32_t next_token = -1;  // valid with kNextToken / kBoth
  StepTiming timing;
};

class LlmSessionCore {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<LlmSessionCore>> create(std::shared_ptr<LlmModelCore> model);
  ~LlmSessionCore();  // leaves the scheduler (queued steps are dropped), frees device resources
  LlmSessionCore(const LlmSessionCore&) = delete;
  LlmSessionCore& operator=(const LlmSessionCore&) = delete;

  [[nodiscard]] Expected<StepResult> step(const StepRequest& request);
  // The logits read by the last step that asked for them (vocab values).
  [[nodiscard]] std::span<const float> logits() const noexcept { return logits_; }

  // The state segment, for context save/load (through the scheduler, like a step).
  [[nodiscard]] Expected<std::vector<std::byte>> read_state();
  [[nodiscard]] Expected<void> write_state(std::span<const std::byte> state);
  // Parts of the state segment (context checkpoints: the conv state), concatenated in the order
  // of `ranges`. Read from and written to the device holding the state; kDeviceError when no
  // device holds it (reset, cleared or never run).
  [[nodiscard]] Expected<std::vector<std::byte>> read_state_ranges(std::span<const StateRange> ranges);
  [[nodiscard]] Expected<void> write_state_ranges(std::span<const StateRange> ranges, std::span<const std::byte> bytes);
  // The session has no device state any more (after clear()); the next step starts fresh.
  void forget_state() noexcept { home_.reset(); }

  // The device the session lives on (index into the VDevice).
  [[nodiscard]] std::size_t device() const noexcept { return device_; }
  // After a step failed with kDeviceLost: drops the removed devices from the VDevice and, when
  // the session's device is one of them and another device remains, sets the session up there
  // (the model's weights there are reused, or written when missing) and pins its queue to it.
  // The session's state is then empty: replay its context. Nothing to move to: the cause itself
  // (kDeviceLost); no room on the other device: kOutOfMemory saying so.
  [[nodiscard]] Expected<DeviceMove> move_off_removed_device(const Error& cause);

  [[nodiscard]] Expected<void> set_priority(std::uint8_t priority);
  // The device context ids of this session's subnets on `device` ({id, "prefill"|"tbt"}); empty
  // when nothing is loaded there (for naming profile records).
  [[nodiscard]] std::vector<std::pair<std::uint32_t, std::string>> context_names(std::size_t device) const;
  [[nodiscard]] LlmModelCore& model() noexcept { return *model_; }
  [[nodiscard]] const LlmPackage& package() const noexcept { return model_->package(); }

 private:
  explicit LlmSessionCore(std::shared_ptr<LlmModelCore> model);
  // Runs `fn(worker)` on a scheduler worker of this session's queue and waits for it.
  template <class Fn>
  [[nodiscard]] auto on_device(Fn&& fn) -> decltype(fn(std::size_t{}));
  [[nodiscard]] Expected<LlmDeviceSession*> resources_on(std::size_t device);
  // Pins the session to the first of `devices` that has room for its resources and makes them
  // there (kOutOfMemory naming the devices tried when none has).
  [[nodiscard]] Expected<void> place(std::span<const std::size_t> devices);
  [[nodiscard]] Expected<StepResult> execute(std::size_t device, const StepRequest& request);

  std::shared_ptr<LlmModelCore> model_;
  npu::detail::ModelId scheduler_id_ = 0;
  std::vector<std::unique_ptr<LlmDeviceSession>> per_device_;
  std::size_t device_ = 0;                // the device it lives on (its queue is pinned there)
  std::optional<std::size_t> home_;       // device whose state segment holds the session's state
  std::vector<std::int32_t> token_rows_;  // io "tokens" image, prefill_chunk rows
  std::vector<float> logits_;
};

}  // namespace npu::genai::detail
