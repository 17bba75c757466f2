// DMA-able host memory: page-aligned, pinned, and mapped so the device can reach it at
// `device_address()` (an IOVA). Freed (and unmapped) when the object is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace npu::hal {

class DmaBuffer {
 public:
  virtual ~DmaBuffer() = default;
  DmaBuffer() = default;
  DmaBuffer(const DmaBuffer&) = delete;
  DmaBuffer& operator=(const DmaBuffer&) = delete;

  [[nodiscard]] virtual std::byte* data() noexcept = 0;
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  // Address the device uses for this buffer (DmaDescriptor::host_addr, BOOT_ADDR, ring BASE).
  [[nodiscard]] virtual std::uint64_t device_address() const noexcept = 0;

  [[nodiscard]] std::span<std::byte> bytes() noexcept { return {data(), size()}; }
};

}  // namespace npu::hal
