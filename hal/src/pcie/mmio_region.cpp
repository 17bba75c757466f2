#include "pcie/mmio_region.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcie/sysfs_pci.hpp"

namespace npu::hal::pcie {

Expected<std::unique_ptr<MmioRegion>> MmioRegion::map(int fd, std::uint64_t offset, std::size_t size,
                                                      const std::string& what) {
  if (size == 0) return fail(ErrorCode::kBadFormat, fmt::format("{} is empty: BAR0 not assigned", what));
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (base == MAP_FAILED) {
    const int err = errno;
    return fail(err == EACCES || err == EPERM ? ErrorCode::kPermission : ErrorCode::kIo,
                fmt::format("cannot map {}: {}", what, std::strerror(err)));
  }
  return std::unique_ptr<MmioRegion>(new MmioRegion(base, size));
}

Expected<std::unique_ptr<MmioRegion>> MmioRegion::map_sysfs_resource0(const std::string& bdf, std::size_t min_size) {
  const std::string path = (device_dir(bdf) / "resource0").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM)
      return fail(ErrorCode::kPermission,
                  fmt::format("no permission to open {}: run as root, or bind the device to vfio-pci and "
                              "install the npustack udev rule (docs/hardware.md)", path));
    return fail(ErrorCode::kIo, fmt::format("cannot open {}: {}", path, std::strerror(err)));
  }
  struct stat st {};
  const std::size_t size = ::fstat(fd, &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
  if (size < min_size) {
    ::close(fd);
    return fail(ErrorCode::kBadFormat,
                fmt::format("{} is {} bytes, smaller than the {}-byte register file: not an npustack device", path,
                            size, min_size));
  }
  auto region = map(fd, 0, size, path);
  ::close(fd);
  return region;
}

MmioRegion::~MmioRegion() { ::munmap(const_cast<std::uint32_t*>(base_), size_); }

std::uint32_t MmioRegion::read32(std::uint32_t offset) const noexcept {
  if (offset % 4 != 0 || offset + 4ull > size_) return 0xffffffffu;
  return base_[offset / 4];
}

void MmioRegion::write32(std::uint32_t offset, std::uint32_t value) noexcept {
  if (offset % 4 != 0 || offset + 4ull > size_) return;
  base_[offset / 4] = value;
}

}  // namespace npu::hal::pcie
