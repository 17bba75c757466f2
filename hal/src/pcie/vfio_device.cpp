#include "pcie/vfio_device.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/vfio.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <vector>

#include "pcie/sysfs_pci.hpp"

namespace npu::hal::pcie {
namespace {

Error os_error(const std::string& what, int err) {
  return Error(err == EACCES || err == EPERM ? ErrorCode::kPermission : ErrorCode::kIo,
               fmt::format("{}: {}", what, std::strerror(err)));
}

std::string permission_fix() {
  return "install the npustack udev rule (70-npustack.rules), add yourself to the `npu` group "
         "(`sudo usermod -aG npu $USER`, then log in again), or run as root";
}

}  // namespace

std::string vfio_bind_commands(const std::string& bdf) {
  return fmt::format("sudo modprobe vfio-pci; echo vfio-pci | sudo tee /sys/bus/pci/devices/{0}/driver_override; "
                     "echo {0} | sudo tee /sys/bus/pci/devices/{0}/driver/unbind; "
                     "echo {0} | sudo tee /sys/bus/pci/drivers_probe",
                     bdf);
}

Expected<std::shared_ptr<VfioDevice>> VfioDevice::open(const std::string& bdf) {
  const auto group_no = iommu_group(bdf);
  if (!group_no)
    return fail(ErrorCode::kUnsupported,
                fmt::format("{} has no IOMMU group: enable the IOMMU (kernel command line intel_iommu=on or "
                            "amd_iommu=on; on Arm the platform's SMMU) to use VFIO", bdf));
  const std::string driver = bound_driver(bdf);
  if (driver != "vfio-pci")
    return fail(ErrorCode::kUnsupported,
                fmt::format("{} is bound to {}, not vfio-pci; bind it with: {}", bdf,
                            driver.empty() ? "no driver" : "'" + driver + "'", vfio_bind_commands(bdf)));
  const std::string group_path = fmt::format("/dev/vfio/{}", *group_no);
  UniqueFd group(::open(group_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!group.valid()) {
    const int err = errno;
    if (err == ENOENT)
      return fail(ErrorCode::kNotFound, fmt::format("{} does not exist: is vfio-pci loaded? {}", group_path,
                                                    vfio_bind_commands(bdf)));
    if (err == EBUSY)
      return fail(ErrorCode::kBusy, fmt::format("{} is in use by another process (npud?)", group_path));
    auto e = os_error(fmt::format("cannot open {}", group_path), err);
    if (e.code() == ErrorCode::kPermission) return fail(e.code(), e.message() + "; " + permission_fix());
    return fail(e);
  }
  vfio_group_status status{.argsz = sizeof(vfio_group_status), .flags = 0};
  if (::ioctl(group.get(), VFIO_GROUP_GET_STATUS, &status) != 0)
    return fail(os_error("VFIO_GROUP_GET_STATUS", errno));
  if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
    return fail(ErrorCode::kUnsupported,
                fmt::format("IOMMU group {} is not viable: every device in /sys/kernel/iommu_groups/{}/devices must "
                            "be bound to vfio-pci (or no driver)", *group_no, *group_no));
  UniqueFd container(::open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC));
  if (!container.valid()) {
    auto e = os_error("cannot open /dev/vfio/vfio", errno);
    return fail(e.code(), e.message() + "; " + permission_fix());
  }
  if (::ioctl(container.get(), VFIO_GET_API_VERSION) != VFIO_API_VERSION)
    return fail(ErrorCode::kUnsupported, "the kernel's VFIO API version is not the one npustack was built for");
  if (::ioctl(container.get(), VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
    return fail(ErrorCode::kUnsupported, "the kernel's VFIO lacks the type-1 v2 IOMMU");
  int container_fd = container.get();
  if (::ioctl(group.get(), VFIO_GROUP_SET_CONTAINER, &container_fd) != 0)
    return fail(os_error("VFIO_GROUP_SET_CONTAINER", errno));
  if (::ioctl(container.get(), VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) != 0)
    return fail(os_error("VFIO_SET_IOMMU", errno));
  UniqueFd device(::ioctl(group.get(), VFIO_GROUP_GET_DEVICE_FD, bdf.c_str()));
  if (!device.valid()) return fail(os_error(fmt::format("VFIO_GROUP_GET_DEVICE_FD {}", bdf), errno));
  return std::shared_ptr<VfioDevice>(new VfioDevice(bdf, std::move(container), std::move(group), std::move(device)));
}

VfioDevice::~VfioDevice() {
  if (irq_.valid()) {
    vfio_irq_set off{.argsz = sizeof(vfio_irq_set), .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
                     .index = VFIO_PCI_MSI_IRQ_INDEX, .start = 0, .count = 0};
    (void)::ioctl(device_.get(), VFIO_DEVICE_SET_IRQS, &off);
  }
}

Expected<std::unique_ptr<MmioRegion>> VfioDevice::map_bar0(std::size_t min_size) {
  vfio_region_info info{};
  info.argsz = sizeof(info);
  info.index = VFIO_PCI_BAR0_REGION_INDEX;
  if (::ioctl(device_.get(), VFIO_DEVICE_GET_REGION_INFO, &info) != 0)
    return fail(os_error(fmt::format("VFIO region info of {} BAR0", bdf_), errno));
  if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || info.size < min_size)
    return fail(ErrorCode::kUnsupported,
                fmt::format("{} BAR0 is {} bytes{}: not an npustack device", bdf_, info.size,
                            info.flags & VFIO_REGION_INFO_FLAG_MMAP ? "" : " and not mappable"));
  return MmioRegion::map(device_.get(), info.offset, info.size, fmt::format("{} BAR0 (VFIO)", bdf_));
}

Expected<void> VfioDevice::map_dma(void* host, std::size_t bytes, std::uint64_t iova) {
  vfio_iommu_type1_dma_map map{.argsz = sizeof(vfio_iommu_type1_dma_map),
                               .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                               .vaddr = reinterpret_cast<std::uint64_t>(host), .iova = iova, .size = bytes};
  if (::ioctl(container_.get(), VFIO_IOMMU_MAP_DMA, &map) != 0) {
    const int err = errno;
    if (err == ENOMEM)
      return fail(ErrorCode::kOutOfMemory,
                  fmt::format("cannot pin {} bytes for DMA: raise the locked-memory limit (ulimit -l, or "
                              "LimitMEMLOCK= in npud.service)", bytes));
    return fail(os_error(fmt::format("VFIO_IOMMU_MAP_DMA of {} bytes at IOVA {:#x}", bytes, iova), err));
  }
  return {};
}

void VfioDevice::unmap_dma(std::uint64_t iova, std::size_t bytes) noexcept {
  vfio_iommu_type1_dma_unmap unmap{.argsz = sizeof(vfio_iommu_type1_dma_unmap), .flags = 0, .iova = iova,
                                   .size = bytes};
  (void)::ioctl(container_.get(), VFIO_IOMMU_UNMAP_DMA, &unmap);
}

Expected<void> VfioDevice::enable_msi() {
  UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!efd.valid()) return fail(os_error("eventfd", errno));
  std::vector<std::byte> buf(sizeof(vfio_irq_set) + sizeof(int));
  auto* set = reinterpret_cast<vfio_irq_set*>(buf.data());
  *set = vfio_irq_set{.argsz = static_cast<std::uint32_t>(buf.size()),
                      .flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
                      .index = VFIO_PCI_MSI_IRQ_INDEX, .start = 0, .count = 1};
  const int fd = efd.get();
  std::memcpy(buf.data() + sizeof(vfio_irq_set), &fd, sizeof fd);
  if (::ioctl(device_.get(), VFIO_DEVICE_SET_IRQS, set) != 0)
    return fail(os_error(fmt::format("enabling MSI of {} (behind a PCIe switch with too few MSI vectors?)", bdf_),
                         errno));
  irq_ = std::move(efd);
  return {};
}

Expected<void> VfioDevice::wait_interrupt(std::chrono::milliseconds timeout) {
  pollfd p{.fd = irq_.get(), .events = POLLIN, .revents = 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n < 0 && errno != EINTR) return fail(os_error("poll on the MSI eventfd", errno));
  if (n <= 0) return fail(ErrorCode::kTimeout, fmt::format("no interrupt from {} within {} ms", bdf_, timeout.count()));
  std::uint64_t count = 0;
  if (::read(irq_.get(), &count, sizeof count) != static_cast<ssize_t>(sizeof count))
    return fail(ErrorCode::kTimeout, fmt::format("no interrupt from {}", bdf_));
  return {};
}

Expected<void> VfioDevice::reset() {
  if (::ioctl(device_.get(), VFIO_DEVICE_RESET) != 0)
    return fail(os_error(fmt::format("function-level reset of {}", bdf_), errno));
  return {};
}

}  // namespace npu::hal::pcie
