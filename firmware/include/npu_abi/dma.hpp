// DMA descriptor and ring layout. A ring is an array of `size` DmaDescriptor (power of two) in
// DMA-able host memory; descriptor i lives at slot (i & (size - 1)). Producer (host) index TAIL and
// consumer (device) index HEAD are free-running u32: the ring is empty when HEAD == TAIL and full
// when TAIL - HEAD == size (back-pressure: the host must wait for completions).
//
// H2D ring: copy `length` bytes from host address `host_addr` to device address `device_addr`.
// D2H ring: copy `length` bytes from device address `device_addr` to host address `host_addr`.
// The device sets `status` when done (kDone or an error) before it advances HEAD.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu::abi {

enum DmaFlags : std::uint16_t {
  kDmaIrqOnDone = 1u << 0,  // raise the ring's interrupt when this descriptor completes
  // ABI 1.1 ("dma.place"), H2D only:
  // The data are model weights: after the copy the device's runtime writes them into their final
  // (tiled) layout in place, on its control core; the descriptor completes once they are placed.
  kDmaPlace = 1u << 1,
  // Timing only: charge the transfer (and placement) but move no data; host_addr is not read and
  // device memory keeps its contents. For what-if runs of models whose weight values were never
  // generated (the device must then run them timing-only too).
  kDmaNoData = 1u << 2,
};
inline constexpr std::uint16_t kDmaKnownFlags = kDmaIrqOnDone | kDmaPlace | kDmaNoData;

enum class DmaStatus : std::uint16_t {
  kPending = 0,
  kDone = 1,
  kBadHostAddress = 2,    // host_addr .. +length is not mapped for the device (IOMMU fault)
  kBadDeviceAddress = 3,  // device_addr .. +length is outside device memory
  kTransferError = 4,     // link/engine error (e.g. injected DMA fault)
};

struct DmaDescriptor {
  std::uint64_t host_addr;    // device-visible (IOVA) address of host memory
  std::uint64_t device_addr;  // device memory address
  std::uint32_t length;       // bytes, > 0
  std::uint16_t flags;        // DmaFlags
  std::uint16_t status;       // DmaStatus, written by the device
  std::uint32_t cookie;       // opaque to the device; echoed for the host's bookkeeping
  std::uint32_t reserved;     // 0
};
static_assert(sizeof(DmaDescriptor) == 32);
static_assert(offsetof(DmaDescriptor, length) == 16);
static_assert(offsetof(DmaDescriptor, cookie) == 24);

inline constexpr std::uint32_t kMinRingSize = 2;
inline constexpr std::uint32_t kMaxRingSize = 65536;
inline constexpr std::uint32_t kMaxDmaLength = 64u << 20;  // per descriptor

}  // namespace npu::abi
