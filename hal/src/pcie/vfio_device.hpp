// One PCI function opened through VFIO: its IOMMU container (type-1), group and device fds.
// Maps BAR0, pins and maps host memory for device DMA (VFIO_IOMMU_MAP_DMA), delivers MSI through
// an eventfd, and does function-level reset. Every failure names its cause and the fix.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "npu/common/error.hpp"
#include "pcie/mmio_region.hpp"
#include "npu/common/unique_fd.hpp"

namespace npu::hal::pcie {

class VfioDevice {
 public:
  // Checks, in order: an IOMMU group exists, /dev/vfio/<group> exists (device bound to vfio-pci),
  // we may open it, the group is viable (every device in it bound to vfio-pci), type-1 IOMMU.
  [[nodiscard]] static Expected<std::shared_ptr<VfioDevice>> open(const std::string& bdf);
  VfioDevice(const VfioDevice&) = delete;
  VfioDevice& operator=(const VfioDevice&) = delete;
  ~VfioDevice();

  [[nodiscard]] Expected<std::unique_ptr<MmioRegion>> map_bar0(std::size_t min_size);

  // Pins [host, host+bytes) and makes it reachable by the device at `iova`.
  [[nodiscard]] Expected<void> map_dma(void* host, std::size_t bytes, std::uint64_t iova);
  void unmap_dma(std::uint64_t iova, std::size_t bytes) noexcept;

  // Routes MSI vector 0 to an eventfd; wait_interrupt() then blocks on it.
  [[nodiscard]] Expected<void> enable_msi();
  // kTimeout if nothing arrived; an interrupt counted while nobody waited returns at once.
  [[nodiscard]] Expected<void> wait_interrupt(std::chrono::milliseconds timeout);

  [[nodiscard]] Expected<void> reset();
  [[nodiscard]] const std::string& bdf() const noexcept { return bdf_; }

 private:
  VfioDevice(std::string bdf, UniqueFd container, UniqueFd group, UniqueFd device)
      : bdf_(std::move(bdf)), container_(std::move(container)), group_(std::move(group)), device_(std::move(device)) {}

  std::string bdf_;
  UniqueFd container_;
  UniqueFd group_;
  UniqueFd device_;
  UniqueFd irq_;
};

// Commands that bind `bdf` to vfio-pci (shown in errors and by `npu scan`).
[[nodiscard]] std::string vfio_bind_commands(const std::string& bdf);

}  // namespace npu::hal::pcie
