// hal::Device for an ABI-native PCIe NPU: BAR0 through VFIO (DMA through the IOMMU, MSI through
// an eventfd) or, without VFIO, through sysfs resource0 (registers only; interrupts are polled
// from IRQ_STATUS, and DMA is refused with the commands that bind vfio-pci).
#pragma once

#include <memory>

#include "npu/hal/device.hpp"
#include "npu/hal/hotplug.hpp"
#include "pcie/iova_allocator.hpp"
#include "pcie/mmio_region.hpp"
#include "pcie/vfio_device.hpp"
#include "udev/device_presence.hpp"

namespace npu::hal::pcie {

class PcieDevice final : public Device {
 public:
  struct Parts {
    DeviceInfo info;
    presence::Flag present;                  // claimed for info.id
    std::shared_ptr<HotplugWatcher> watch;   // may be null (no udev)
    std::shared_ptr<VfioDevice> vfio;        // null: sysfs fallback
    std::unique_ptr<MmioRegion> bar0;
  };
  explicit PcieDevice(Parts parts);

  const DeviceInfo& info() const noexcept override { return p_.info; }
  std::uint32_t read32(std::uint32_t offset) override;
  void write32(std::uint32_t offset, std::uint32_t value) override;
  Expected<std::unique_ptr<DmaBuffer>> alloc_dma(std::size_t bytes) override;
  Expected<void> wait_interrupt(std::chrono::milliseconds timeout) override;
  Expected<void> reset() override;
  bool present() const noexcept override;

 private:
  [[nodiscard]] Error lost() const;
  [[nodiscard]] Expected<void> poll_interrupt(std::chrono::milliseconds timeout);

  Parts p_;
  std::shared_ptr<IovaAllocator> iovas_;
};

}  // namespace npu::hal::pcie
