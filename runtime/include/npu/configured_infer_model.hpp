// A model loaded on every device of its VDevice: device memory for its segments, weights DMA'd,
// contexts loaded. Runs go through the VDevice's scheduler. Destroying it cancels its queued jobs
// (they complete with kAborted), waits for running ones and frees the device resources.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "npu/async_infer_job.hpp"
#include "npu/bindings.hpp"
#include "npu/common/error.hpp"
#include "npu/run_info.hpp"

namespace npu {

namespace backend {
class ConfiguredModelBackend;
}

class ConfiguredInferModel {
 public:
  explicit ConfiguredInferModel(std::unique_ptr<backend::ConfiguredModelBackend> backend);
  ConfiguredInferModel(ConfiguredInferModel&&) noexcept;
  ConfiguredInferModel& operator=(ConfiguredInferModel&&) noexcept;
  ~ConfiguredInferModel();

  [[nodiscard]] Expected<Bindings> create_bindings() const;

  // Synchronous run. kTimeout if the job was not scheduled within `timeout` (it is then dropped).
  [[nodiscard]] Expected<RunInfo> run(const Bindings& bindings,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Queues a run; `callback` (optional) fires on a scheduler thread when it completes.
  // kBusy when async_queue_size() jobs are already in flight: wait_for_async_ready() first.
  [[nodiscard]] Expected<AsyncInferJob> run_async(const Bindings& bindings,
                                                  AsyncCallback callback = {});
  // Blocks until `frames` more jobs can be queued (kTimeout otherwise).
  [[nodiscard]] Expected<void> wait_for_async_ready(std::chrono::milliseconds timeout,
                                                    std::uint32_t frames = 1);
  [[nodiscard]] std::uint32_t async_queue_size() const noexcept;

  // Scheduler knobs (kUnsupported when the VDevice's scheduling algorithm is None).
  // Priority 0..31, default 16, higher runs first; round-robin among equal priorities.
  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority);
  // The model is ready when `threshold` frames are queued, or when its oldest frame has waited
  // `timeout` (0 = wait for the threshold). Default: threshold 1, timeout 0.
  [[nodiscard]] Expected<void> set_scheduler_threshold(std::uint32_t threshold);
  [[nodiscard]] Expected<void> set_scheduler_timeout(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<backend::ConfiguredModelBackend> backend_;
};

}  // namespace npu
