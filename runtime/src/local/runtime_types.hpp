// The driver's and hal's device descriptions as the runtime's public types (npu/device_info.hpp,
// npu/device_profile.hpp): the in-process backend's only translation between the two.
#pragma once

#include "npu/device_info.hpp"
#include "npu/device_profile.hpp"
#include "npu/driver/driver.hpp"
#include "npu/hal/device_info.hpp"

namespace npu::local {

[[nodiscard]] DeviceInfo to_runtime(const hal::DeviceInfo& info);
[[nodiscard]] DeviceIdentity to_runtime(const driver::DeviceIdentity& identity);
[[nodiscard]] DeviceStats to_runtime(const driver::DeviceStats& stats);
[[nodiscard]] ProfileData to_runtime(const driver::ProfileData& profile);

}  // namespace npu::local
