// The in-process VDevice: the opened devices (our driver over hal: simulated or ABI-native) and
// the scheduler they share with every model and LLM session made on them. Held by shared_ptr from
// those, so destruction order among the public objects does not matter.
#pragma once

#include <memory>
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

 private:
  VDeviceParams params_;
  std::vector<std::unique_ptr<driver::Driver>> drivers_;
  std::vector<DeviceIdentity> identities_;
  std::unique_ptr<detail::Scheduler> scheduler_;
};

}  // namespace npu::local
