// What a VDevice shares with its models: the opened devices (drivers) and the scheduler.
// Held by shared_ptr from VDevice, InferModel and ConfiguredInferModel, so destruction order
// among them does not matter.
#pragma once

#include <memory>
#include <vector>

#include "npu/driver/driver.hpp"
#include "npu/vdevice.hpp"
#include "scheduler.hpp"

namespace npu::detail {

class VDeviceCore {
 public:
  VDeviceCore(VDeviceParams params, std::vector<std::unique_ptr<driver::Driver>> drivers)
      : params_(std::move(params)), drivers_(std::move(drivers)),
        scheduler_(std::make_unique<Scheduler>(params_.scheduling_algorithm, drivers_.size())) {}
  ~VDeviceCore() { scheduler_.reset(); }  // workers stop before the drivers go

  [[nodiscard]] const VDeviceParams& params() const noexcept { return params_; }
  [[nodiscard]] std::vector<std::unique_ptr<driver::Driver>>& drivers() noexcept { return drivers_; }
  [[nodiscard]] Scheduler& scheduler() noexcept { return *scheduler_; }

 private:
  VDeviceParams params_;
  std::vector<std::unique_ptr<driver::Driver>> drivers_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace npu::detail
