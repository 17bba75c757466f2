// The wire protocol between the host and an ABI-native USB NPU (vendor 0x1209, see hw_ids.hpp).
// Interface 0 has one bulk OUT endpoint (host -> device) and one bulk IN endpoint (device -> host).
// Every message is a 32-byte UsbHeader followed by `length` payload bytes (little-endian).
//
// Running mode (product 0x4e50) — the USB device stands in for BAR0 and bus-master DMA:
//   host  -> kRegWrite  {addr = register offset, value}
//   host  -> kRegRead   {tag, addr = register offset}        device -> kRegValue {tag, value}
//   device-> kDmaRead   {tag, addr = IOVA, value = bytes}    host   -> kDmaData  {tag, payload}
//             (the device fetches host memory; value <= kUsbMaxPayload; the host answers
//              kDmaData with flags = kUsbFlagError and no payload for an unmapped range)
//   device-> kDmaWrite  {addr = IOVA, payload}               (device stores into host memory)
//   device-> kInterrupt {value = IRQ_STATUS bits}            (the interrupt line)
//   host  -> kReset     {}                                   (function reset; no answer)
// Boot/DFU mode (product 0x4e51) — a loader that takes a device image and re-enumerates:
//   host  -> kFwChunk   {tag, addr = offset, payload}        device -> kFwAck {tag, value = status}
//   host  -> kFwStart   {tag, value = total size, addr = CRC-32 of the image}
//                                                            device -> kFwAck, then it detaches and
//                                                            returns as product 0x4e50.
#pragma once

#include <cstdint>

namespace npu::hal::usb {

inline constexpr std::uint32_t kUsbMagic = 0x4255504e;  // "NPUB"
inline constexpr std::uint32_t kUsbMaxPayload = 16384;
inline constexpr std::uint8_t kUsbEndpointOut = 0x01;
inline constexpr std::uint8_t kUsbEndpointIn = 0x81;
inline constexpr int kUsbInterface = 0;

enum class UsbMsg : std::uint16_t {
  kRegWrite = 1,
  kRegRead = 2,
  kRegValue = 3,
  kDmaRead = 4,
  kDmaData = 5,
  kDmaWrite = 6,
  kInterrupt = 7,
  kReset = 8,
  kFwChunk = 16,
  kFwStart = 17,
  kFwAck = 18,
};

inline constexpr std::uint16_t kUsbFlagError = 1u << 0;

struct UsbHeader {
  std::uint32_t magic = kUsbMagic;
  std::uint16_t type = 0;     // UsbMsg
  std::uint16_t flags = 0;    // kUsbFlag*
  std::uint32_t tag = 0;      // matches a reply to its request
  std::uint32_t length = 0;   // payload bytes after the header, <= kUsbMaxPayload
  std::uint64_t addr = 0;     // register offset, IOVA or image offset
  std::uint32_t value = 0;
  std::uint32_t reserved = 0; // must be 0
};
static_assert(sizeof(UsbHeader) == 32);

// kFwAck status values.
inline constexpr std::uint32_t kFwOk = 0;
inline constexpr std::uint32_t kFwBadOffset = 1;
inline constexpr std::uint32_t kFwBadChecksum = 2;
inline constexpr std::uint32_t kFwTooLarge = 3;

}  // namespace npu::hal::usb
