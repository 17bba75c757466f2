// A VDevice of Hailo devices through HailoRT: HailoRT's VDevice (its scheduler: round-robin or
// none, and group id) over the devices asked for, each identified before HailoRT takes it over.
// It creates the .hef networks (hailo_infer_model.hpp) and LLM sessions (hailo_llm.hpp) on them.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend/vdevice_backend.hpp"
#include "hailort/hailo_devices.hpp"

namespace hailort {
class VDevice;
}

namespace npu::hailort_backend {

class HailoVDevice final : public backend::VDeviceBackend {
 public:
  // `device_ids` are "hailo:..." ids (at least one; the registry's device selection picks them).
  [[nodiscard]] static Expected<std::shared_ptr<HailoVDevice>> create(const VDeviceParams& params,
                                                                     std::span<const std::string> device_ids);
  HailoVDevice(VDeviceParams params, std::shared_ptr<hailort::VDevice> vdevice, std::vector<HailoDevice> devices);
  ~HailoVDevice() override;

  [[nodiscard]] const VDeviceParams& params() const noexcept override { return params_; }
  [[nodiscard]] std::size_t device_count() const noexcept override { return identities_.size(); }
  [[nodiscard]] const DeviceIdentity& identity(std::size_t device) const override { return identities_.at(device); }
  // HailoRT reports no counters npustack keeps: all zero.
  [[nodiscard]] Expected<DeviceStats> stats(std::size_t device) override;
  [[nodiscard]] SchedulerStats scheduler_stats() const override { return {}; }
  [[nodiscard]] Expected<std::shared_ptr<const backend::InferModelBackend>> create_infer_model(
      const std::filesystem::path& path) override;
  [[nodiscard]] Expected<std::unique_ptr<backend::LlmBackend>> create_llm(const genai::LLMParams& params) override;

  [[nodiscard]] const std::shared_ptr<hailort::VDevice>& vdevice() const noexcept { return vdevice_; }
  [[nodiscard]] bool round_robin() const noexcept {
    return params_.scheduling_algorithm == SchedulingAlgorithm::kRoundRobin;
  }

 private:
  VDeviceParams params_;
  std::shared_ptr<hailort::VDevice> vdevice_;
  std::vector<DeviceIdentity> identities_;
};

}  // namespace npu::hailort_backend
