#include "sim/sim_hal_device.hpp"

#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

#include "npu/common/page.hpp"
#include "sim/sim_registry.hpp"

namespace npu::hal {
namespace {

// Page-aligned, zeroed host memory mapped into the device's IOVA space; unmapped and freed on
// destruction. Keeps the SimDevice alive so it can always unmap.
class SimDmaBuffer final : public DmaBuffer {
 public:
  SimDmaBuffer(std::shared_ptr<sim::SimDevice> device, std::byte* memory, std::size_t size)
      : device_(std::move(device)), memory_(memory), size_(size), iova_(device_->map_host(memory, size)) {}
  ~SimDmaBuffer() override {
    device_->unmap_host(iova_);
    std::free(memory_);
  }
  std::byte* data() noexcept override { return memory_; }
  std::size_t size() const noexcept override { return size_; }
  std::uint64_t device_address() const noexcept override { return iova_; }

 private:
  std::shared_ptr<sim::SimDevice> device_;
  std::byte* memory_;
  std::size_t size_;
  std::uint64_t iova_;
};

Error lost(const DeviceInfo& info) {
  return Error(ErrorCode::kDeviceLost,
               fmt::format("device {} is gone (removed or link down); close it and rescan", info.id));
}

}  // namespace

SimHalDevice::~SimHalDevice() { sim_registry::release(info_.id); }

Expected<std::unique_ptr<DmaBuffer>> SimHalDevice::alloc_dma(std::size_t bytes) {
  if (!device_->present()) return fail(lost(info_));
  if (bytes == 0) return fail(ErrorCode::kInvalidArgument, "alloc_dma of 0 bytes");
  const std::size_t page = host_page_size();
  const std::size_t size = align_up(bytes, page);
  auto* memory = static_cast<std::byte*>(std::aligned_alloc(page, size));
  if (!memory) return fail(ErrorCode::kOutOfMemory, fmt::format("cannot allocate {} bytes of DMA memory", size));
  std::memset(memory, 0, size);
  return std::make_unique<SimDmaBuffer>(device_, memory, size);
}

Expected<void> SimHalDevice::wait_interrupt(std::chrono::milliseconds timeout) {
  switch (device_->wait_interrupt(timeout)) {
    case sim::WaitResult::kInterrupt: return {};
    case sim::WaitResult::kRemoved: return fail(lost(info_));
    case sim::WaitResult::kTimeout: break;
  }
  return fail(ErrorCode::kTimeout, fmt::format("no interrupt from {} within {} ms", info_.id, timeout.count()));
}

Expected<void> SimHalDevice::reset() {
  if (!device_->present()) return fail(lost(info_));
  device_->reset();
  return {};
}

}  // namespace npu::hal
