// The state behind a ConfiguredInferModel: the model loaded on each device, its scheduler
// queue, and the count of jobs in flight (for wait_for_async_ready).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "device_model.hpp"
#include "model_package.hpp"
#include "scheduler.hpp"
#include "vdevice_core.hpp"

namespace npu::detail {

class ConfiguredModelCore {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<ConfiguredModelCore>> create(
      std::shared_ptr<VDeviceCore> vdevice, std::shared_ptr<const ModelPackage> package);
  ~ConfiguredModelCore();  // drops queued jobs, waits for running ones, frees device memory
  ConfiguredModelCore(const ConfiguredModelCore&) = delete;
  ConfiguredModelCore& operator=(const ConfiguredModelCore&) = delete;

  [[nodiscard]] const ModelPackage& package() const noexcept { return *package_; }
  [[nodiscard]] Scheduler& scheduler() noexcept { return vdevice_->scheduler(); }
  [[nodiscard]] ModelId id() const noexcept { return id_; }
  [[nodiscard]] SchedulerModelParams& params() noexcept { return params_; }

  // Queues one run of `state`; completes it (callback, waiters) when done or dropped.
  [[nodiscard]] Expected<void> submit(std::shared_ptr<AsyncJobState> state);
  [[nodiscard]] Expected<void> wait_ready(std::chrono::milliseconds timeout, std::uint32_t frames);
  [[nodiscard]] std::uint32_t queue_size() const noexcept { return queue_size_; }
  [[nodiscard]] std::uint32_t in_flight() const;

 private:
  ConfiguredModelCore(std::shared_ptr<VDeviceCore> vdevice, std::shared_ptr<const ModelPackage> package)
      : vdevice_(std::move(vdevice)), package_(std::move(package)) {}
  void finished();

  std::shared_ptr<VDeviceCore> vdevice_;
  std::shared_ptr<const ModelPackage> package_;
  std::vector<std::unique_ptr<DeviceModel>> per_device_;  // indexed by scheduler worker
  ModelId id_ = 0;
  SchedulerModelParams params_;
  std::uint32_t queue_size_ = 16;
  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::uint32_t in_flight_ = 0;
};

}  // namespace npu::detail
