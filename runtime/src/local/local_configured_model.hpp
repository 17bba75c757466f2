// An in-process configured model: the model loaded on each device of its LocalVDevice, its
// scheduler queue, and the count of jobs in flight (for wait_for_async_ready).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/configured_model_backend.hpp"
#include "local/device_model.hpp"
#include "local/local_vdevice.hpp"
#include "local/scheduler.hpp"
#include "npk/model_package.hpp"

namespace npu::local {

class LocalConfiguredModel final : public backend::ConfiguredModelBackend {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<LocalConfiguredModel>> create(
      std::shared_ptr<LocalVDevice> vdevice, std::shared_ptr<const detail::ModelPackage> package);
  ~LocalConfiguredModel() override;  // drops queued jobs, waits for running ones, frees device memory
  LocalConfiguredModel(const LocalConfiguredModel&) = delete;
  LocalConfiguredModel& operator=(const LocalConfiguredModel&) = delete;

  [[nodiscard]] const std::string& name() const noexcept override { return package_->name; }
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept override { return package_->inputs; }
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept override { return package_->outputs; }
  [[nodiscard]] Expected<RunInfo> run(const BindingsState& buffers, std::chrono::milliseconds timeout) override;
  // Queues one run of `state`; completes it (callback, waiters) when done or dropped.
  [[nodiscard]] Expected<void> run_async(std::shared_ptr<AsyncJobState> state) override;
  [[nodiscard]] Expected<void> wait_for_async_ready(std::chrono::milliseconds timeout, std::uint32_t frames) override;
  [[nodiscard]] std::uint32_t async_queue_size() const noexcept override { return queue_size_; }
  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority) override;
  [[nodiscard]] Expected<void> set_scheduler_threshold(std::uint32_t threshold) override;
  [[nodiscard]] Expected<void> set_scheduler_timeout(std::chrono::milliseconds timeout) override;

 private:
  LocalConfiguredModel(std::shared_ptr<LocalVDevice> vdevice, std::shared_ptr<const detail::ModelPackage> package)
      : vdevice_(std::move(vdevice)), package_(std::move(package)) {}
  [[nodiscard]] detail::Scheduler& scheduler() noexcept { return vdevice_->scheduler(); }
  [[nodiscard]] Expected<void> set_params(const detail::SchedulerModelParams& params);
  void finished();

  std::shared_ptr<LocalVDevice> vdevice_;
  std::shared_ptr<const detail::ModelPackage> package_;
  std::vector<std::unique_ptr<detail::DeviceModel>> per_device_;  // indexed by scheduler worker; null: removed
  detail::ModelId id_ = 0;
  detail::SchedulerModelParams params_;
  std::uint32_t queue_size_ = 16;
  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::uint32_t in_flight_ = 0;
};

}  // namespace npu::local
