// The pcie backend: devices "pcie:<domain:bus:dev.fn>" found through libpci. ABI-native devices
// open through VFIO (or sysfs resource0); vendor parts are listed and identified but refused at
// open with a plain explanation.
#pragma once

#include <memory>

#include "npu/hal/backend.hpp"

namespace npu::hal {

[[nodiscard]] std::shared_ptr<Backend> make_pcie_backend();

}  // namespace npu::hal
