// The DMA ring processor: walks a ring's descriptors from HEAD to TAIL (free-running indices,
// slot = index & (size - 1)), has the platform's DMA engine copy each one, writes the descriptor
// status back into host memory, advances HEAD and raises the ring's interrupt for descriptors
// flagged kDmaIrqOnDone (and for every failed descriptor). Internal to the firmware.
#pragma once

#include "npu/firmware/firmware.hpp"
#include "profile_buffer.hpp"
#include "npu_abi/regs.hpp"

namespace npu::fw {

class DmaRingProcessor {
 public:
  DmaRingProcessor(Platform& platform, FirmwareStats& stats, ProfileBuffer& profile)
      : platform_(platform), stats_(stats), profile_(profile) {}

  // Processes every pending descriptor. Returns kDmaFault when the ring itself is unusable (size
  // not a power of two in range, descriptor array unmapped, TAIL more than size ahead of HEAD).
  [[nodiscard]] abi::FaultCode process(DmaDirection direction);

 private:
  Platform& platform_;
  FirmwareStats& stats_;
  ProfileBuffer& profile_;
};

}  // namespace npu::fw
