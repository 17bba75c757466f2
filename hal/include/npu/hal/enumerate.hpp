// Device discovery across backends, and opening a device by id.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/hal/device.hpp"
#include "npu/hal/device_info.hpp"

namespace npu::hal {

// Every device every backend can see (simulated devices included), in a stable order.
[[nodiscard]] Expected<std::vector<DeviceInfo>> enumerate_devices();

// Opens the device with this id (see DeviceInfo::id). kNotFound lists the ids that exist.
[[nodiscard]] Expected<std::unique_ptr<Device>> open_device(const std::string& id);

}  // namespace npu::hal
