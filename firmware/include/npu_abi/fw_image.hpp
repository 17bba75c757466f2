// Firmware image = FirmwareImageHeader (64 bytes) followed by payload_size bytes of payload.
// The payload is opaque to the driver; the device checks the header and both CRCs before it runs
// anything (see BootError in regs.hpp for every way an image is refused).
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu::abi {

inline constexpr std::uint32_t kFirmwareMagic = 0x5746504e;  // "NPFW"
inline constexpr std::uint64_t kFirmwareMaxSize = 64ull << 20;  // device firmware region: 64 MiB

struct FirmwareImageHeader {
  std::uint32_t magic;           // kFirmwareMagic
  std::uint16_t header_size;     // sizeof(FirmwareImageHeader) = 64
  std::uint16_t reserved0;       // 0
  std::uint32_t abi_version;     // ABI the firmware speaks (make_abi_version)
  std::uint32_t fw_version;      // make_fw_version
  std::uint64_t payload_size;    // bytes following the header
  std::uint32_t payload_crc32;   // CRC-32 of the payload
  std::uint32_t header_crc32;    // CRC-32 of this header with header_crc32 = 0
  char build_id[16];             // NUL-padded build identifier (e.g. git describe)
  std::uint8_t reserved1[16];    // 0
};
static_assert(sizeof(FirmwareImageHeader) == 64);
static_assert(offsetof(FirmwareImageHeader, payload_size) == 16);
static_assert(offsetof(FirmwareImageHeader, build_id) == 32);

}  // namespace npu::abi
