#include "npu/driver/boot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "npu/common/log.hpp"
#include "npu/driver/abi_compat.hpp"
#include "npu/driver/error_text.hpp"
#include "npu_abi/regs.hpp"
#include "npu_abi/version.hpp"

namespace npu::driver {

namespace reg = abi::reg;

namespace {

Expected<void> check_device_identity(hal::Device& device) {
  const std::uint32_t id = device.read32(reg::kId);
  if (id != abi::kDeviceMagic) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("device {} does not speak the npustack device ABI (ID register 0x{:08x}, "
                            "expected 0x{:08x}); use a device that `npu scan` lists as openable",
                            device.info().id, id, abi::kDeviceMagic));
  }
  const std::uint32_t device_abi = device.read32(reg::kAbiVersion);
  if (abi::abi_major(device_abi) != abi::kAbiMajor) {
    return check_abi_compatible(device_abi, fmt::format("device {}", device.info().id));
  }
  return {};
}

}  // namespace

Expected<void> boot_device(hal::Device& device, IrqDispatcher& irq, const FirmwareImage& image,
                           std::chrono::milliseconds timeout) {
  if (!device.present()) {
    return fail(ErrorCode::kDeviceLost,
                fmt::format("device {} is gone; reconnect it and open it again", device.info().id));
  }
  NPU_TRY(image.check_driver_compatible());
  if (auto r = device.reset(); !r) return fail(r.error().with_context("resetting the device"));
  irq.clear_fault();
  NPU_TRY(check_device_identity(device));
  const std::uint32_t device_abi = device.read32(reg::kAbiVersion);

  const auto state = static_cast<abi::DeviceState>(device.read32(reg::kStatus));
  if (state != abi::DeviceState::kWaitFirmware) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("device {} is '{}' after reset instead of waiting for firmware; "
                            "power-cycle the device",
                            device.info().id, to_string(state)));
  }
  device.write32(reg::kIrqStatus, reg::kIrqAll);  // drop stale events
  device.write32(reg::kIrqMask, reg::kIrqAll);

  const auto bytes = image.bytes();
  auto buffer = device.alloc_dma(std::max<std::size_t>(bytes.size(), 1));
  if (!buffer) return fail(buffer.error().with_context("allocating the firmware upload buffer"));
  if (!bytes.empty()) std::memcpy((*buffer)->data(), bytes.data(), bytes.size());
  const std::uint64_t addr = (*buffer)->device_address();
  device.write32(reg::kBootAddrLo, static_cast<std::uint32_t>(addr));
  device.write32(reg::kBootAddrHi, static_cast<std::uint32_t>(addr >> 32));
  // Larger than 4 GiB cannot be expressed; the device refuses it as too large either way.
  device.write32(reg::kBootSize,
                 static_cast<std::uint32_t>(std::min<std::size_t>(bytes.size(), 0xffffffffu)));
  device.write32(reg::kBootCtrl, reg::kBootStart);

  const auto settled = [&] {
    const auto s = static_cast<abi::DeviceState>(device.read32(reg::kStatus));
    return s == abi::DeviceState::kAlive || s == abi::DeviceState::kBootFailed ||
           s == abi::DeviceState::kFaulted;
  };
  NPU_TRY(irq.wait(reg::kIrqBoot, timeout, settled,
                   fmt::format("booting firmware {}", image.path().string())));

  const auto final_state = static_cast<abi::DeviceState>(device.read32(reg::kStatus));
  if (final_state == abi::DeviceState::kBootFailed) {
    return fail(image.explain_boot_error(device.read32(reg::kErrorCode), device_abi));
  }
  if (final_state != abi::DeviceState::kAlive) {
    return fail(fault_error(device.read32(reg::kErrorCode)).with_context("booting the firmware"));
  }
  log().info("device {}: firmware {} alive (fw {})", device.info().id, image.path().string(),
             fw_version_text(device.read32(reg::kFwVersion)));
  return {};
}

}  // namespace npu::driver
