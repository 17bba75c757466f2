// A mapped BAR (MMIO) region: 32-bit volatile register access, unmapped on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "npu/common/error.hpp"

namespace npu::hal::pcie {

class MmioRegion {
 public:
  // Maps `size` bytes of `fd` at `offset` (a VFIO region or a sysfs resourceN file). The fd may be
  // closed afterwards. `what` names the source in errors.
  [[nodiscard]] static Expected<std::unique_ptr<MmioRegion>> map(int fd, std::uint64_t offset, std::size_t size,
                                                                  const std::string& what);
  // Opens and maps /sys/bus/pci/devices/<bdf>/resource0 (needs root or a udev rule granting access).
  [[nodiscard]] static Expected<std::unique_ptr<MmioRegion>> map_sysfs_resource0(const std::string& bdf,
                                                                                  std::size_t min_size);
  ~MmioRegion();
  MmioRegion(const MmioRegion&) = delete;
  MmioRegion& operator=(const MmioRegion&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // Offsets outside the region or unaligned read as 0xffffffff / are ignored on write.
  [[nodiscard]] std::uint32_t read32(std::uint32_t offset) const noexcept;
  void write32(std::uint32_t offset, std::uint32_t value) noexcept;

 private:
  MmioRegion(void* base, std::size_t size) : base_(static_cast<volatile std::uint32_t*>(base)), size_(size) {}
  volatile std::uint32_t* base_;
  std::size_t size_;
};

}  // namespace npu::hal::pcie
