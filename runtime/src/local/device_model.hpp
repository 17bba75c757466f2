// One configured model on one device: device memory for its segments, the weights DMA'd in, its
// context loaded. execute() moves inputs in, runs, moves outputs out. When the driver's
// generation changed (the device was reset after a fault) everything is re-created first.
// Used by one scheduler worker at a time.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <vector>

#include "npk/model_package.hpp"
#include "npu/bindings.hpp"
#include "npu/common/error.hpp"
#include "npu/driver/driver.hpp"
#include "npu/run_info.hpp"

namespace npu::detail {

class DeviceModel {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<DeviceModel>> create(
      driver::Driver& driver, std::shared_ptr<const ModelPackage> package);
  ~DeviceModel();
  DeviceModel(const DeviceModel&) = delete;
  DeviceModel& operator=(const DeviceModel&) = delete;

  [[nodiscard]] Expected<RunInfo> execute(const BindingsState& buffers);

 private:
  DeviceModel(driver::Driver& driver, std::shared_ptr<const ModelPackage> package)
      : driver_(driver), package_(std::move(package)) {}
  [[nodiscard]] Expected<void> load();
  void release() noexcept;

  driver::Driver& driver_;
  std::shared_ptr<const ModelPackage> package_;
  std::array<driver::DeviceAllocation, abi::kMaxSegments> segments_{};
  std::uint32_t num_segments_ = 0;
  driver::ContextHandle context_{};
  bool loaded_ = false;
};

}  // namespace npu::detail
