// Building and checking firmware images (npu_abi/fw_image.hpp). The builder is used by the
// npu-mkfw tool and by tests that craft good and bad images; the checker is the boot ROM's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "npu/firmware/fw_manifest.hpp"
#include "npu_abi/fw_image.hpp"
#include "npu_abi/regs.hpp"

namespace npu::fw {

// Header (CRCs filled in) + payload. build_id is truncated to 15 characters.
[[nodiscard]] std::vector<std::byte> build_firmware_image(std::span<const std::byte> payload,
                                                          std::uint32_t abi_version,
                                                          std::uint32_t fw_version,
                                                          const std::string& build_id);
// The image of a manifest (its text is the payload).
[[nodiscard]] std::vector<std::byte> build_firmware_image(const FirmwareManifest& manifest,
                                                          const std::string& build_id);

// Recomputes header_crc32 after a test edited the header in place.
void refresh_header_crc(std::span<std::byte> image);

// Whether an image ABI version can run on a device speaking `device_abi`: equal majors and an
// image minor not newer than the device's.
[[nodiscard]] bool abi_compatible(std::uint32_t image_abi, std::uint32_t device_abi) noexcept;

// Header checks that need no payload (everything but sizes against BOOT_SIZE and payload CRC).
[[nodiscard]] abi::BootError check_image_header(const abi::FirmwareImageHeader& header,
                                                std::uint32_t device_abi) noexcept;

[[nodiscard]] const char* boot_error_name(abi::BootError error) noexcept;

}  // namespace npu::fw
