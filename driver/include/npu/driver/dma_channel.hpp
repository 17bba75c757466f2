// A DMA ring plus its staging area: copies caller memory through a DMA-able bounce buffer, in
// chunks, each chunk split into descriptors of at most `max_descriptor_bytes`. The staging area is
// used as two halves so that copying one chunk overlaps the device's transfer of the other.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "npu/common/error.hpp"
#include "npu/driver/dma_ring.hpp"
#include "npu/hal/device.hpp"

namespace npu::driver {

struct DmaChannelConfig {
  std::uint32_t ring_entries = 256;
  std::size_t staging_bytes = 4u << 20;
  std::uint32_t max_descriptor_bytes = abi::kMaxDmaLength;
  std::chrono::milliseconds timeout{5000};
};

class DmaChannel {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<DmaChannel>> create(hal::Device& device,
                                                                    IrqDispatcher& irq,
                                                                    DmaDirection direction,
                                                                    const DmaChannelConfig& config);

  // Host-to-device channels only. `flags`: extra DmaFlags for every descriptor (kDmaPlace).
  [[nodiscard]] Expected<void> write(std::uint64_t device_address, std::span<const std::byte> data,
                                     std::uint16_t flags = 0);
  // Host-to-device, timing only: descriptors flagged kDmaNoData (| flags) for `bytes`, chunked
  // exactly as write() would chunk them, so the device charges the same transfers.
  [[nodiscard]] Expected<void> write_no_data(std::uint64_t device_address, std::uint64_t bytes,
                                             std::uint16_t flags = 0);
  // Device-to-host channels only.
  [[nodiscard]] Expected<void> read(std::uint64_t device_address, std::span<std::byte> out);

  // After a device reset: re-program the ring.
  void reprogram();

  [[nodiscard]] DmaRingStats ring_stats() const;
  [[nodiscard]] std::uint64_t bytes() const;  // moved since creation

 private:
  DmaChannel(std::unique_ptr<DmaRing> ring, std::unique_ptr<hal::DmaBuffer> staging,
             const DmaChannelConfig& config);
  // Queues descriptors moving [offset, offset+len) of the staging area to/from `device_address`;
  // returns the index of the last one.
  [[nodiscard]] Expected<std::uint32_t> queue(std::size_t staging_offset,
                                              std::uint64_t device_address, std::size_t len,
                                              std::uint16_t flags = 0);
  // Quiesce after an error so the ring's indices stay consistent; then return the error.
  [[nodiscard]] Error settle(Error error);

  mutable std::mutex mutex_;
  std::unique_ptr<DmaRing> ring_;
  std::unique_ptr<hal::DmaBuffer> staging_;
  DmaChannelConfig config_;
  std::size_t half_;  // bytes per staging half (one chunk)
  std::uint64_t bytes_ = 0;
};

}  // namespace npu::driver
