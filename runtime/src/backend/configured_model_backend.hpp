// What npu::ConfiguredInferModel runs on: a model loaded on the devices of its VDeviceBackend.
// The front validates bindings (every stream has a buffer of the right size) before run() and
// run_async(). Destroying it drops queued jobs (they complete with kAborted) and waits for
// running ones.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/async_job_state.hpp"
#include "npu/bindings.hpp"
#include "npu/common/error.hpp"
#include "npu/run_info.hpp"

namespace npu::backend {

class ConfiguredModelBackend {
 public:
  virtual ~ConfiguredModelBackend() = default;

  [[nodiscard]] virtual const std::string& name() const noexcept = 0;
  [[nodiscard]] virtual const std::vector<StreamInfo>& inputs() const noexcept = 0;
  [[nodiscard]] virtual const std::vector<StreamInfo>& outputs() const noexcept = 0;

  // One run, waiting for it; kTimeout if it was not scheduled within `timeout` (then dropped).
  [[nodiscard]] virtual Expected<RunInfo> run(const BindingsState& buffers, std::chrono::milliseconds timeout) = 0;
  // Queues one run of `job` (its buffers and callback); the backend calls job->complete() exactly
  // once, claiming it first (AsyncJobState::claim). kBusy when async_queue_size() are in flight.
  [[nodiscard]] virtual Expected<void> run_async(std::shared_ptr<AsyncJobState> job) = 0;
  [[nodiscard]] virtual Expected<void> wait_for_async_ready(std::chrono::milliseconds timeout,
                                                            std::uint32_t frames) = 0;
  [[nodiscard]] virtual std::uint32_t async_queue_size() const noexcept = 0;

  // kUnsupported when the VDevice's scheduling algorithm is None (or the backend has no such knob).
  [[nodiscard]] virtual Expected<void> set_scheduler_priority(std::uint8_t priority) = 0;
  [[nodiscard]] virtual Expected<void> set_scheduler_threshold(std::uint32_t threshold) = 0;
  [[nodiscard]] virtual Expected<void> set_scheduler_timeout(std::chrono::milliseconds timeout) = 0;
};

}  // namespace npu::backend
