#include "npu/driver/dma_ring.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstring>

#include "npu/common/page.hpp"
#include "npu/driver/error_text.hpp"
#include "npu_abi/regs.hpp"

namespace npu::driver {

namespace reg = abi::reg;

namespace {
// True when free-running index `a` is at or past `b` (modulo 2^32).
bool at_or_past(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) >= 0; }
const char* dir_name(DmaDirection d) { return d == DmaDirection::kHostToDevice ? "H2D" : "D2H"; }
}  // namespace

Expected<std::unique_ptr<DmaRing>> DmaRing::create(hal::Device& device, IrqDispatcher& irq,
                                                   DmaDirection direction, std::uint32_t entries) {
  if (!is_power_of_two(entries) || entries < abi::kMinRingSize || entries > abi::kMaxRingSize) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("DMA ring size {} is invalid: use a power of two from {} to {}", entries,
                            abi::kMinRingSize, abi::kMaxRingSize));
  }
  auto buffer = device.alloc_dma(std::size_t{entries} * sizeof(abi::DmaDescriptor));
  if (!buffer) return fail(buffer.error().with_context("allocating a DMA descriptor ring"));
  std::memset((*buffer)->data(), 0, (*buffer)->size());
  std::unique_ptr<DmaRing> ring(new DmaRing(device, irq, direction, entries, std::move(*buffer)));
  ring->program();
  return ring;
}

DmaRing::DmaRing(hal::Device& device, IrqDispatcher& irq, DmaDirection direction,
                 std::uint32_t entries, std::unique_ptr<hal::DmaBuffer> descriptors)
    : device_(device), irq_(irq), direction_(direction), entries_(entries),
      descriptors_(std::move(descriptors)) {}

std::uint32_t DmaRing::reg(std::uint32_t offset) const noexcept {
  return (direction_ == DmaDirection::kHostToDevice ? reg::kH2dRing : reg::kD2hRing) + offset;
}

abi::DmaDescriptor* DmaRing::slot(std::uint32_t index) noexcept {
  return reinterpret_cast<abi::DmaDescriptor*>(descriptors_->data()) + (index & (entries_ - 1));
}

void DmaRing::program() {
  const std::uint64_t base = descriptors_->device_address();
  device_.write32(reg(reg::kRingBaseLo), static_cast<std::uint32_t>(base));
  device_.write32(reg(reg::kRingBaseHi), static_cast<std::uint32_t>(base >> 32));
  device_.write32(reg(reg::kRingSize), entries_);
  const std::uint32_t head = device_.read32(reg(reg::kRingHead));
  tail_ = published_ = reaped_ = head;
  device_.write32(reg(reg::kRingTail), head);
  error_.reset();
}

Expected<std::uint32_t> DmaRing::push(std::uint64_t host_addr, std::uint64_t device_addr,
                                      std::uint32_t length, std::chrono::milliseconds timeout,
                                      std::uint16_t extra_flags) {
  if (length == 0 || length > abi::kMaxDmaLength) {
    return fail(ErrorCode::kInternal, fmt::format("DMA descriptor length {} out of range", length));
  }
  while (tail_ - reaped_ == entries_) {  // full: back-pressure until the device frees a slot
    ++stats_.full_waits;
    kick();
    NPU_TRY(wait_head_past(reaped_, timeout, "a free descriptor slot"));
    NPU_TRY(reap());
  }
  if (error_) {
    Error e = std::move(*error_);
    error_.reset();
    return fail(std::move(e));
  }
  abi::DmaDescriptor d{};
  d.host_addr = host_addr;
  d.device_addr = device_addr;
  d.length = length;
  d.flags = static_cast<std::uint16_t>(abi::kDmaIrqOnDone | extra_flags);
  d.status = static_cast<std::uint16_t>(abi::DmaStatus::kPending);
  d.cookie = tail_;
  std::memcpy(slot(tail_), &d, sizeof d);
  const std::uint32_t index = tail_++;
  ++stats_.descriptors;
  if (tail_ - reaped_ > stats_.max_in_flight) stats_.max_in_flight = tail_ - reaped_;
  return index;
}

void DmaRing::kick() {
  if (published_ == tail_) return;
  std::atomic_thread_fence(std::memory_order_release);  // descriptors before TAIL
  device_.write32(reg(reg::kRingTail), tail_);
  published_ = tail_;
  device_.write32(reg::kDoorbell, direction_ == DmaDirection::kHostToDevice ? reg::kDoorbellH2d
                                                                            : reg::kDoorbellD2h);
}

Expected<void> DmaRing::wait_head_past(std::uint32_t index, std::chrono::milliseconds timeout,
                                       const char* why) {
  const std::uint32_t bit =
      direction_ == DmaDirection::kHostToDevice ? reg::kIrqH2d : reg::kIrqD2h;
  return irq_.wait(
      bit, timeout, [&] { return at_or_past(device_.read32(reg(reg::kRingHead)), index + 1); },
      fmt::format("{} DMA ring waiting for {} (descriptor {}, head {})", dir_name(direction_), why,
                  index, reaped_));
}

Expected<void> DmaRing::reap() {
  const std::uint32_t head = device_.read32(reg(reg::kRingHead));
  if (head - reaped_ > published_ - reaped_) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("{} DMA ring: device HEAD {} is outside the submitted range [{}, {}]; "
                            "the device must be reset",
                            dir_name(direction_), head, reaped_, published_));
  }
  std::atomic_thread_fence(std::memory_order_acquire);  // HEAD before descriptor statuses
  for (; reaped_ != head; ++reaped_) {
    abi::DmaDescriptor d;
    std::memcpy(&d, slot(reaped_), sizeof d);
    if (d.status == static_cast<std::uint16_t>(abi::DmaStatus::kDone) || error_) continue;
    if (d.status == static_cast<std::uint16_t>(abi::DmaStatus::kPending)) {
      error_ = Error(ErrorCode::kDeviceError,
                     fmt::format("{} DMA ring: descriptor {} was consumed without a status",
                                 dir_name(direction_), reaped_));
    } else {
      error_ = dma_status_error(direction_ == DmaDirection::kHostToDevice, d.status, d.host_addr,
                                d.device_addr, d.length);
    }
  }
  return {};
}

Expected<void> DmaRing::wait_done(std::uint32_t index, std::chrono::milliseconds timeout) {
  if (!at_or_past(reaped_, index + 1)) {
    kick();
    NPU_TRY(wait_head_past(index, timeout, "completion"));
    NPU_TRY(reap());
  }
  if (error_) {
    Error e = std::move(*error_);
    error_.reset();
    return fail(std::move(e));
  }
  return {};
}

Expected<void> DmaRing::drain(std::chrono::milliseconds timeout) {
  return wait_done(tail_ - 1, timeout);
}

}  // namespace npu::driver
