// What every session of one LLM shares: the package and the weights segment, allocated and
// written once per device of the VDevice. If a device is reset (fault recovery), the weights are
// written again the next time a session runs there.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "local/local_vdevice.hpp"
#include "npk/llm_package.hpp"
#include "npu/driver/driver.hpp"

namespace npu::genai::detail {

class LlmModelCore {
 public:
  [[nodiscard]] static Expected<std::shared_ptr<LlmModelCore>> create(
      std::shared_ptr<local::LocalVDevice> vdevice, std::shared_ptr<const LlmPackage> package);
  ~LlmModelCore();
  LlmModelCore(const LlmModelCore&) = delete;
  LlmModelCore& operator=(const LlmModelCore&) = delete;

  [[nodiscard]] const LlmPackage& package() const noexcept { return *package_; }
  [[nodiscard]] const std::shared_ptr<const LlmPackage>& package_ptr() const noexcept { return package_; }
  [[nodiscard]] local::LocalVDevice& vdevice() noexcept { return *vdevice_; }
  [[nodiscard]] driver::Driver& driver(std::size_t device) { return *vdevice_->drivers().at(device); }

  // The weights allocation on `device`, written again first if the device was reset since.
  [[nodiscard]] Expected<driver::DeviceAllocation> weights_on(std::size_t device);

  // Modeled device time and host wall time of the initial weight upload (all devices).
  [[nodiscard]] std::chrono::nanoseconds load_device_time() const noexcept { return load_device_time_; }
  [[nodiscard]] std::chrono::nanoseconds load_host_time() const noexcept { return load_host_time_; }

 private:
  LlmModelCore(std::shared_ptr<local::LocalVDevice> vdevice, std::shared_ptr<const LlmPackage> package);
  [[nodiscard]] Expected<void> upload(std::size_t device);  // caller holds mutex_

  std::shared_ptr<local::LocalVDevice> vdevice_;
  std::shared_ptr<const LlmPackage> package_;
  std::mutex mutex_;
  std::vector<driver::DeviceAllocation> weights_;  // per device; size 0 = not allocated
  std::chrono::nanoseconds load_device_time_{0}, load_host_time_{0};
};

// Device cycles -> time at the device's clock (0 when the clock is unknown).
[[nodiscard]] std::chrono::nanoseconds cycles_to_time(std::uint64_t cycles, std::uint32_t clock_khz) noexcept;

}  // namespace npu::genai::detail
