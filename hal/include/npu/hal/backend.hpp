// hal::Backend: one transport family (sim, later pcie, usb). enumerate_devices()/open_device()
// ask every registered backend, so a new backend is added here without touching any caller.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/hal/device.hpp"
#include "npu/hal/device_info.hpp"

namespace npu::hal {

class Backend {
 public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // The id prefix of this backend's devices ("sim" for "sim:0").
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual Expected<std::vector<DeviceInfo>> enumerate() = 0;
  // `id` starts with name() + ":"; kNotFound if this backend has no such device.
  [[nodiscard]] virtual Expected<std::unique_ptr<Device>> open(const std::string& id) = 0;
};

// Adds a backend after the built-in ones (the sim backend is built in).
void register_backend(std::shared_ptr<Backend> backend);
[[nodiscard]] std::vector<std::shared_ptr<Backend>> registered_backends();

}  // namespace npu::hal
