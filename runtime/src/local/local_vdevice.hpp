// The in-process VDevice: the opened devices (our driver over hal: simulated or ABI-native) and
// the scheduler they share with every model and LLM session made on them. Held by shared_ptr from
// those, so destruction order among the public objects does not matter.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "backend/vdevice_backend.hpp"
#include "local/scheduler.hpp"
#include "npu/driver/driver.hpp"

namespace npu::local {

class LocalVDevice final : public backend::VDeviceBackend {
 public:
  LocalVDevice(VDeviceParams params, std::vector<std::unique_ptr<driver::Driver>> drivers);
  ~LocalVDevice() override;  // the scheduler's workers stop before the drivers go

  [[nodiscard]] const VDeviceParams& params() const noexcept override { return params_; }
  [[nodiscard]] std::size_t device_count() const noexcept override { return drivers_.size(); }
  [[nodiscard]] const DeviceIdentity& identity(std::size_t device) const override { return identities_.at(device); }
  [[nodiscard]] Expected<DeviceStats> stats(std::size_t device) override;
  [[nodiscard]] SchedulerStats scheduler_stats() const override { return scheduler_->stats(); }
  [[nodiscard]] Expected<std::shared_ptr<const backend::InferModelBackend>> create_infer_model(
      const std::filesystem::path& path) override;
  [[nodiscard]] Expected<std::unique_ptr<backend::LlmBackend>> create_llm(const genai::LLMParams& params) override;

  [[nodiscard]] std::vector<std::unique_ptr<driver::Driver>>& drivers() noexcept { return drivers_; }
  [[nodiscard]] detail::Scheduler& scheduler() noexcept { return *scheduler_; }

  // A removed device (its driver no longer present()) is dropped from the set while another
  // device of the set remains: its scheduler worker takes no more work (the queued steps of
  // sessions pinned there fail with kDeviceLost, and those sessions move). The last device is
  // never dropped, so its work keeps failing with the driver's clear kDeviceLost.
  // Looks at every device; returns whether any was dropped now.
  bool drop_removed_devices();
  // Not dropped (it may still be gone, until someone calls drop_removed_devices()).
  [[nodiscard]] bool usable(std::size_t device) const;
  // After `error` on `device`: whether it was a removal that took the device out of the set
  // (then skip the device: the VDevice works on without it).
  [[nodiscard]] bool dropped_after(const Error& error, std::size_t device);
  // The usable devices, the one with the most free device memory first (ties: lower index first).
  [[nodiscard]] std::vector<std::size_t> usable_by_free_memory() const;

 private:
  VDeviceParams params_;
  std::vector<std::unique_ptr<driver::Driver>> drivers_;
  std::vector<DeviceIdentity> identities_;
  mutable std::mutex dropped_mutex_;
  std::vector<bool> dropped_;  // per device: removed and out of the set
  std::unique_ptr<detail::Scheduler> scheduler_;
};

}  // namespace npu::local
