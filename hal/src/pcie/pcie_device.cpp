#include "pcie/pcie_device.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

#include "npu/common/page.hpp"
#include "npu_abi/regs.hpp"
#include "pcie/sysfs_pci.hpp"

namespace npu::hal::pcie {
namespace {

using namespace std::chrono_literals;
constexpr std::uint64_t kIovaBase = 1ull << 32;
constexpr std::uint64_t kIovaSize = 1ull << 38;  // 256 GiB of device-visible space

// Anonymous, zeroed, page-aligned memory pinned and mapped through VFIO; unmapped and freed on
// destruction (keeps the VFIO container and the IOVA space alive for that).
class VfioDmaBuffer final : public DmaBuffer {
 public:
  VfioDmaBuffer(std::shared_ptr<VfioDevice> vfio, std::shared_ptr<IovaAllocator> iovas, void* memory,
                std::size_t size, std::uint64_t iova)
      : vfio_(std::move(vfio)), iovas_(std::move(iovas)), memory_(memory), size_(size), iova_(iova) {}
  ~VfioDmaBuffer() override {
    vfio_->unmap_dma(iova_, size_);
    iovas_->release(iova_, size_);
    ::munmap(memory_, size_);
  }
  std::byte* data() noexcept override { return static_cast<std::byte*>(memory_); }
  std::size_t size() const noexcept override { return size_; }
  std::uint64_t device_address() const noexcept override { return iova_; }

 private:
  std::shared_ptr<VfioDevice> vfio_;
  std::shared_ptr<IovaAllocator> iovas_;
  void* memory_;
  std::size_t size_;
  std::uint64_t iova_;
};

}  // namespace

PcieDevice::PcieDevice(Parts parts)
    : p_(std::move(parts)), iovas_(std::make_shared<IovaAllocator>(kIovaBase, kIovaSize, host_page_size())) {}

bool PcieDevice::present() const noexcept {
  if (!p_.present->load()) return false;
  // Without a hotplug monitor removal still shows: the sysfs directory disappears.
  if (::access((device_dir(p_.info.bus_address) / "vendor").c_str(), F_OK) != 0) p_.present->store(false);
  return p_.present->load();
}

Error PcieDevice::lost() const {
  return Error(ErrorCode::kDeviceLost,
               fmt::format("device {} is gone (removed or link down); close it and rescan with `npu scan`", p_.info.id));
}

std::uint32_t PcieDevice::read32(std::uint32_t offset) {
  if (!p_.present->load()) return 0xffffffffu;
  const std::uint32_t v = p_.bar0->read32(offset);
  if (v == 0xffffffffu) (void)present();  // all ones: maybe the device went away
  return v;
}

void PcieDevice::write32(std::uint32_t offset, std::uint32_t value) {
  if (p_.present->load()) p_.bar0->write32(offset, value);
}

Expected<std::unique_ptr<DmaBuffer>> PcieDevice::alloc_dma(std::size_t bytes) {
  if (!present()) return fail(lost());
  if (bytes == 0) return fail(ErrorCode::kInvalidArgument, "alloc_dma of 0 bytes");
  if (!p_.vfio)
    return fail(ErrorCode::kUnsupported,
                fmt::format("{} is mapped through sysfs (no VFIO), which gives register access but no safe DMA; "
                            "bind it to vfio-pci: {}", p_.info.id, vfio_bind_commands(p_.info.bus_address)));
  const std::size_t size = align_up(bytes, host_page_size());
  void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED)
    return fail(ErrorCode::kOutOfMemory, fmt::format("cannot allocate {} bytes of DMA memory", size));
  const auto iova = iovas_->allocate(size);
  if (!iova) {
    ::munmap(memory, size);
    return fail(ErrorCode::kOutOfMemory, fmt::format("device address space of {} exhausted", p_.info.id));
  }
  if (auto mapped = p_.vfio->map_dma(memory, size, *iova); !mapped) {
    iovas_->release(*iova, size);
    ::munmap(memory, size);
    return fail(mapped.error());
  }
  return std::make_unique<VfioDmaBuffer>(p_.vfio, iovas_, memory, size, *iova);
}

Expected<void> PcieDevice::poll_interrupt(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!present()) return fail(lost());
    if (p_.bar0->read32(abi::reg::kIrqStatus) & p_.bar0->read32(abi::reg::kIrqMask)) return {};
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(200us);
  }
  return fail(ErrorCode::kTimeout, fmt::format("no interrupt from {} within {} ms", p_.info.id, timeout.count()));
}

Expected<void> PcieDevice::wait_interrupt(std::chrono::milliseconds timeout) {
  if (!p_.vfio) return poll_interrupt(timeout);
  // Slices so that a removal during a long wait is reported promptly.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!present()) return fail(lost());
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto r = p_.vfio->wait_interrupt(std::clamp(left, 0ms, 100ms));
    if (r || r.error().code() != ErrorCode::kTimeout || left <= 100ms) {
      if (!r && !present()) return fail(lost());
      return r;
    }
  }
}

Expected<void> PcieDevice::reset() {
  if (!present()) return fail(lost());
  if (p_.vfio) {
    NPU_TRY(p_.vfio->reset());
  } else {
    // The kernel's function reset when it offers one (root only), else the device's reset register.
    const int fd = ::open((device_dir(p_.info.bus_address) / "reset").c_str(), O_WRONLY | O_CLOEXEC);
    const bool done = fd >= 0 && ::write(fd, "1", 1) == 1;
    if (fd >= 0) ::close(fd);
    if (!done) p_.bar0->write32(abi::reg::kReset, abi::reg::kResetMagic);
  }
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (p_.bar0->read32(abi::reg::kStatus) != static_cast<std::uint32_t>(abi::DeviceState::kWaitFirmware)) {
    if (!present()) return fail(lost());
    if (std::chrono::steady_clock::now() >= deadline)
      return fail(ErrorCode::kTimeout, fmt::format("{} did not come back from reset within 2 s (STATUS={:#x})",
                                                   p_.info.id, p_.bar0->read32(abi::reg::kStatus)));
    std::this_thread::sleep_for(1ms);
  }
  return {};
}

}  // namespace npu::hal::pcie
