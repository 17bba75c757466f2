// hal::Device: one transport to one device. Register (BAR) access, DMA-able host memory, the
// interrupt line and function-level reset; nothing about what the device does. Backends: sim
// (in-process simulator), later pcie and usb. Nothing above hal knows which backend it talks to.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "npu/common/error.hpp"
#include "npu/hal/device_info.hpp"
#include "npu/hal/dma_buffer.hpp"

namespace npu::hal {

class Device {
 public:
  virtual ~Device() = default;
  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  [[nodiscard]] virtual const DeviceInfo& info() const noexcept = 0;

  // 32-bit BAR0 register access (offsets from npu_abi/regs.hpp). A removed device reads as
  // 0xffffffff, as on PCIe.
  [[nodiscard]] virtual std::uint32_t read32(std::uint32_t offset) = 0;
  virtual void write32(std::uint32_t offset, std::uint32_t value) = 0;

  // Allocates `bytes` (rounded up to the host page size) of DMA-able host memory.
  [[nodiscard]] virtual Expected<std::unique_ptr<DmaBuffer>> alloc_dma(std::size_t bytes) = 0;

  // Blocks until the device raises its interrupt line or `timeout` passes (kTimeout). Interrupts
  // raised while nobody waits are remembered (one pending edge). kDeviceLost if the device is gone.
  [[nodiscard]] virtual Expected<void> wait_interrupt(std::chrono::milliseconds timeout) = 0;

  // Function-level reset: the device returns to DeviceState::kWaitFirmware, all device memory
  // contents and DMA mappings made by the device are dropped (host DmaBuffers stay valid).
  [[nodiscard]] virtual Expected<void> reset() = 0;

  // False once the device has been removed (hot-unplug, link down).
  [[nodiscard]] virtual bool present() const noexcept = 0;
};

}  // namespace npu::hal
