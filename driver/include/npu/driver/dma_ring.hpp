// One DMA ring (H2D or D2H): DmaDescriptor array in DMA-able host memory, free-running producer
// (tail, host) and consumer (HEAD, device) indices. push() waits for completions when the ring is
// full (back-pressure); completion is read from each descriptor's status, and the first error
// status becomes the error of the wait that reaped it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "npu/common/error.hpp"
#include "npu/driver/irq_dispatcher.hpp"
#include "npu/hal/device.hpp"
#include "npu_abi/dma.hpp"

namespace npu::driver {

enum class DmaDirection { kHostToDevice, kDeviceToHost };

struct DmaRingStats {
  std::uint64_t descriptors = 0;     // pushed since creation
  std::uint64_t full_waits = 0;      // times push() had to wait for a free slot
  std::uint32_t max_in_flight = 0;   // most descriptors outstanding at once
};

class DmaRing {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<DmaRing>> create(hal::Device& device,
                                                                 IrqDispatcher& irq,
                                                                 DmaDirection direction,
                                                                 std::uint32_t entries);
  DmaRing(const DmaRing&) = delete;
  DmaRing& operator=(const DmaRing&) = delete;

  // Programs BASE/SIZE/TAIL into the device; after create and after every device reset.
  void program();

  // Queues one transfer (not yet visible to the device until kick()); returns its index.
  // `extra_flags`: DmaFlags beyond kDmaIrqOnDone (kDmaPlace, kDmaNoData; ABI 1.1).
  [[nodiscard]] Expected<std::uint32_t> push(std::uint64_t host_addr, std::uint64_t device_addr,
                                             std::uint32_t length,
                                             std::chrono::milliseconds timeout,
                                             std::uint16_t extra_flags = 0);
  // Publishes TAIL and rings the doorbell.
  void kick();
  // Waits until descriptor `index` (and all before it) completed.
  [[nodiscard]] Expected<void> wait_done(std::uint32_t index, std::chrono::milliseconds timeout);
  // Waits until everything pushed completed.
  [[nodiscard]] Expected<void> drain(std::chrono::milliseconds timeout);

  [[nodiscard]] DmaDirection direction() const noexcept { return direction_; }
  [[nodiscard]] std::uint32_t entries() const noexcept { return entries_; }
  [[nodiscard]] const DmaRingStats& stats() const noexcept { return stats_; }

 private:
  DmaRing(hal::Device& device, IrqDispatcher& irq, DmaDirection direction, std::uint32_t entries,
          std::unique_ptr<hal::DmaBuffer> descriptors);
  [[nodiscard]] abi::DmaDescriptor* slot(std::uint32_t index) noexcept;
  [[nodiscard]] std::uint32_t reg(std::uint32_t offset) const noexcept;
  // Reads HEAD and checks the status of every newly completed descriptor.
  [[nodiscard]] Expected<void> reap();
  [[nodiscard]] Expected<void> wait_head_past(std::uint32_t index, std::chrono::milliseconds timeout,
                                              const char* why);

  hal::Device& device_;
  IrqDispatcher& irq_;
  DmaDirection direction_;
  std::uint32_t entries_;
  std::unique_ptr<hal::DmaBuffer> descriptors_;
  std::uint32_t tail_ = 0;       // next index to fill
  std::uint32_t published_ = 0;  // TAIL value the device has seen
  std::uint32_t reaped_ = 0;     // every index below this completed and was checked
  std::optional<Error> error_;   // first failed descriptor not yet reported
  DmaRingStats stats_;
};

}  // namespace npu::driver
