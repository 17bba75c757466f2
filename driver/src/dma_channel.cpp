#include "npu/driver/dma_channel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "npu/common/page.hpp"

namespace npu::driver {

Expected<std::unique_ptr<DmaChannel>> DmaChannel::create(hal::Device& device, IrqDispatcher& irq,
                                                         DmaDirection direction,
                                                         const DmaChannelConfig& config) {
  if (config.staging_bytes < 2) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("DMA staging area of {} bytes is too small; use at least one page",
                            config.staging_bytes));
  }
  if (config.max_descriptor_bytes == 0 || config.max_descriptor_bytes > abi::kMaxDmaLength) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("DMA descriptor limit {} is invalid: use 1 .. {} bytes",
                            config.max_descriptor_bytes, abi::kMaxDmaLength));
  }
  NPU_TRY_ASSIGN(auto ring, DmaRing::create(device, irq, direction, config.ring_entries));
  auto staging = device.alloc_dma(config.staging_bytes);
  if (!staging) return fail(staging.error().with_context("allocating the DMA staging area"));
  return std::unique_ptr<DmaChannel>(
      new DmaChannel(std::move(ring), std::move(*staging), config));
}

DmaChannel::DmaChannel(std::unique_ptr<DmaRing> ring, std::unique_ptr<hal::DmaBuffer> staging,
                       const DmaChannelConfig& config)
    : ring_(std::move(ring)), staging_(std::move(staging)), config_(config),
      half_(std::min(config.staging_bytes, staging_->size()) / 2) {}

void DmaChannel::reprogram() {
  std::lock_guard lock(mutex_);
  ring_->program();
}

DmaRingStats DmaChannel::ring_stats() const {
  std::lock_guard lock(mutex_);
  return ring_->stats();
}

std::uint64_t DmaChannel::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

Expected<std::uint32_t> DmaChannel::queue(std::size_t staging_offset, std::uint64_t device_address,
                                          std::size_t len, std::uint16_t flags) {
  std::uint32_t last = 0;
  for (std::size_t done = 0; done < len;) {
    const auto n = static_cast<std::uint32_t>(
        std::min<std::size_t>(len - done, config_.max_descriptor_bytes));
    NPU_TRY_ASSIGN(last, ring_->push(staging_->device_address() + staging_offset + done,
                                     device_address + done, n, config_.timeout, flags));
    done += n;
  }
  ring_->kick();
  return last;
}

Error DmaChannel::settle(Error error) {
  // Let the device finish what was queued so the ring indices match; secondary errors are dropped.
  if (error.code() != ErrorCode::kTimeout && error.code() != ErrorCode::kDeviceLost) {
    (void)ring_->drain(config_.timeout);
  }
  return error;
}

Expected<void> DmaChannel::write_no_data(std::uint64_t device_address, std::uint64_t bytes, std::uint16_t flags) {
  std::lock_guard lock(mutex_);
  if (ring_->direction() != DmaDirection::kHostToDevice) {
    return fail(ErrorCode::kInternal, "write_no_data() on a device-to-host DMA channel");
  }
  for (std::uint64_t off = 0; off < bytes; off += half_) {
    const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(half_, bytes - off));
    auto last = queue(0, device_address + off, len, static_cast<std::uint16_t>(flags | abi::kDmaNoData));
    if (!last) return fail(settle(last.error()));
  }
  if (auto r = ring_->drain(config_.timeout); !r) return fail(settle(r.error()));
  return {};
}

Expected<void> DmaChannel::write(std::uint64_t device_address, std::span<const std::byte> data,
                                 std::uint16_t flags) {
  std::lock_guard lock(mutex_);
  if (ring_->direction() != DmaDirection::kHostToDevice) {
    return fail(ErrorCode::kInternal, "write() on a device-to-host DMA channel");
  }
  std::uint32_t last_of_half[2] = {0, 0};
  bool used[2] = {false, false};
  std::size_t chunk = 0;
  for (std::size_t off = 0; off < data.size(); off += half_, ++chunk) {
    const std::size_t h = chunk & 1;
    const std::size_t len = std::min(half_, data.size() - off);
    if (used[h]) {  // the half still feeds an earlier chunk: wait for it first
      if (auto r = ring_->wait_done(last_of_half[h], config_.timeout); !r) return fail(settle(r.error()));
    }
    std::memcpy(staging_->data() + h * half_, data.data() + off, len);
    auto last = queue(h * half_, device_address + off, len, flags);
    if (!last) return fail(settle(last.error()));
    last_of_half[h] = *last;
    used[h] = true;
  }
  if (auto r = ring_->drain(config_.timeout); !r) return fail(settle(r.error()));
  bytes_ += data.size();
  return {};
}

Expected<void> DmaChannel::read(std::uint64_t device_address, std::span<std::byte> out) {
  std::lock_guard lock(mutex_);
  if (ring_->direction() != DmaDirection::kDeviceToHost) {
    return fail(ErrorCode::kInternal, "read() on a host-to-device DMA channel");
  }
  const std::size_t chunks = (out.size() + half_ - 1) / half_;
  std::uint32_t last_of_chunk[2] = {0, 0};
  // Queue chunk i+1 before copying chunk i out, so the device works while the host copies.
  auto start = [&](std::size_t i) -> Expected<void> {
    const std::size_t off = i * half_;
    NPU_TRY_ASSIGN(last_of_chunk[i & 1],
                   queue((i & 1) * half_, device_address + off, std::min(half_, out.size() - off)));
    return {};
  };
  if (chunks > 0) {
    if (auto r = start(0); !r) return fail(settle(r.error()));
  }
  for (std::size_t i = 0; i < chunks; ++i) {
    if (i + 1 < chunks) {
      if (auto r = start(i + 1); !r) return fail(settle(r.error()));
    }
    if (auto r = ring_->wait_done(last_of_chunk[i & 1], config_.timeout); !r) {
      return fail(settle(r.error()));
    }
    const std::size_t off = i * half_;
    std::memcpy(out.data() + off, staging_->data() + (i & 1) * half_,
                std::min(half_, out.size() - off));
  }
  bytes_ += out.size();
  return {};
}

}  // namespace npu::driver
