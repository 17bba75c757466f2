#include "dma_ring_processor.hpp"

#include <cstddef>
#include <cstring>

#include "npu/common/log.hpp"
#include "npu/common/page.hpp"
#include "npu_abi/dma.hpp"

namespace npu::fw {

abi::FaultCode DmaRingProcessor::process(DmaDirection dir) {
  const bool h2d = dir == DmaDirection::kHostToDevice;
  const std::uint32_t block = h2d ? abi::reg::kH2dRing : abi::reg::kD2hRing;
  const std::uint32_t irq = h2d ? abi::reg::kIrqH2d : abi::reg::kIrqD2h;
  const char* name = h2d ? "H2D" : "D2H";
  const std::uint64_t base = platform_.read_reg(block + abi::reg::kRingBaseLo) |
                             (std::uint64_t{platform_.read_reg(block + abi::reg::kRingBaseHi)} << 32);
  const std::uint32_t size = platform_.read_reg(block + abi::reg::kRingSize);
  if (!is_power_of_two(size) || size < abi::kMinRingSize || size > abi::kMaxRingSize) {
    log().warn("fw: {} ring size {} is not a power of two in [{}, {}]", name, size, abi::kMinRingSize,
               abi::kMaxRingSize);
    return abi::FaultCode::kDmaFault;
  }
  while (platform_.core_running()) {
    const std::uint32_t head = platform_.read_reg(block + abi::reg::kRingHead);
    const std::uint32_t tail = platform_.read_reg(block + abi::reg::kRingTail);
    if (head == tail) break;
    if (tail - head > size) {
      log().warn("fw: {} ring TAIL {} is more than {} entries ahead of HEAD {}", name, tail, size, head);
      return abi::FaultCode::kDmaFault;
    }
    const std::uint64_t slot_addr = base + std::uint64_t{head & (size - 1)} * sizeof(abi::DmaDescriptor);
    abi::DmaDescriptor d{};
    if (!platform_.read_host(slot_addr, std::as_writable_bytes(std::span(&d, 1)))) {
      log().warn("fw: {} ring descriptor at IOVA {:#x} is not mapped", name, slot_addr);
      return abi::FaultCode::kDmaFault;
    }
    abi::DmaStatus status = abi::DmaStatus::kTransferError;  // malformed descriptor
    // Placement and no-data transfers are host-to-device only.
    const std::uint16_t allowed = h2d ? abi::kDmaKnownFlags : std::uint16_t{abi::kDmaIrqOnDone};
    if (d.length > 0 && d.length <= abi::kMaxDmaLength && d.reserved == 0 && (d.flags & ~allowed) == 0) {
      const DmaOutcome out = platform_.dma_transfer(dir, d);
      status = out.status;
      if (status == abi::DmaStatus::kDone) {
        Cost c = out.cost;
        c.ddr_bytes = d.length;  // the record's bytes are the bytes moved
        profile_.add(h2d ? abi::ProfileKind::kDmaH2D : abi::ProfileKind::kDmaD2H, c);
      }
    }
    if (!platform_.core_running()) break;
    if (status == abi::DmaStatus::kDone) (h2d ? stats_.h2d_bytes : stats_.d2h_bytes) += d.length;
    const auto status_bits = static_cast<std::uint16_t>(status);
    if (!platform_.write_host(slot_addr + offsetof(abi::DmaDescriptor, status),
                              std::as_bytes(std::span(&status_bits, 1))))
      return abi::FaultCode::kDmaFault;
    platform_.write_reg(block + abi::reg::kRingHead, head + 1);
    if ((d.flags & abi::kDmaIrqOnDone) != 0 || status != abi::DmaStatus::kDone) platform_.raise_irq(irq);
  }
  return abi::FaultCode::kNone;
}

}  // namespace npu::fw
