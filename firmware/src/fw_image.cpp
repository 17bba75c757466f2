#include "npu/firmware/fw_image.hpp"

#include <algorithm>
#include <cstring>

#include "npu/common/checksum.hpp"
#include "npu_abi/version.hpp"

namespace npu::fw {

std::vector<std::byte> build_firmware_image(std::span<const std::byte> payload,
                                            std::uint32_t abi_version, std::uint32_t fw_version,
                                            const std::string& build_id) {
  abi::FirmwareImageHeader h{};
  h.magic = abi::kFirmwareMagic;
  h.header_size = sizeof(abi::FirmwareImageHeader);
  h.abi_version = abi_version;
  h.fw_version = fw_version;
  h.payload_size = payload.size();
  h.payload_crc32 = crc32(payload);
  std::memcpy(h.build_id, build_id.data(), std::min(build_id.size(), sizeof(h.build_id) - 1));
  h.header_crc32 = crc32(&h, sizeof(h));
  std::vector<std::byte> image(sizeof(h) + payload.size());
  std::memcpy(image.data(), &h, sizeof(h));
  std::ranges::copy(payload, image.begin() + sizeof(h));
  return image;
}

std::vector<std::byte> build_firmware_image(const FirmwareManifest& manifest,
                                            const std::string& build_id) {
  std::string text = format_manifest(manifest);
  return build_firmware_image(std::as_bytes(std::span(text)), manifest.abi_version,
                              manifest.fw_version, build_id);
}

void refresh_header_crc(std::span<std::byte> image) {
  if (image.size() < sizeof(abi::FirmwareImageHeader)) return;
  abi::FirmwareImageHeader h;
  std::memcpy(&h, image.data(), sizeof(h));
  h.header_crc32 = 0;
  h.header_crc32 = crc32(&h, sizeof(h));
  std::memcpy(image.data(), &h, sizeof(h));
}

bool abi_compatible(std::uint32_t image_abi, std::uint32_t device_abi) noexcept {
  return abi::abi_major(image_abi) == abi::abi_major(device_abi) &&
         abi::abi_minor(image_abi) <= abi::abi_minor(device_abi);
}

abi::BootError check_image_header(const abi::FirmwareImageHeader& header,
                                  std::uint32_t device_abi) noexcept {
  if (header.magic != abi::kFirmwareMagic) return abi::BootError::kBadMagic;
  bool reserved_clear = header.reserved0 == 0 &&
                        std::ranges::all_of(header.reserved1, [](std::uint8_t b) { return b == 0; });
  if (header.header_size != sizeof(abi::FirmwareImageHeader) || !reserved_clear)
    return abi::BootError::kBadHeader;
  abi::FirmwareImageHeader copy = header;
  copy.header_crc32 = 0;
  if (crc32(&copy, sizeof(copy)) != header.header_crc32) return abi::BootError::kBadChecksum;
  if (!abi_compatible(header.abi_version, device_abi)) return abi::BootError::kAbiMismatch;
  if (header.payload_size > abi::kFirmwareMaxSize - sizeof(abi::FirmwareImageHeader))
    return abi::BootError::kTooLarge;
  return abi::BootError::kNone;
}

const char* boot_error_name(abi::BootError error) noexcept {
  switch (error) {
    case abi::BootError::kNone: return "none";
    case abi::BootError::kBadMagic: return "bad magic";
    case abi::BootError::kAbiMismatch: return "ABI mismatch";
    case abi::BootError::kBadChecksum: return "bad checksum";
    case abi::BootError::kTruncated: return "truncated";
    case abi::BootError::kDmaError: return "DMA error";
    case abi::BootError::kTooLarge: return "too large";
    case abi::BootError::kBadHeader: return "bad header";
  }
  return "unknown";
}

}  // namespace npu::fw
