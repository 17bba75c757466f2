// A firmware image file as the driver sees it: the bytes to upload, plus what its header claims
// (when it has one), so that the device's BootError can be explained in terms of the file.
// The device, not the driver, is the judge of an image; the driver only refuses an image whose
// ABI major differs from its own (it could not talk to that firmware after boot).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>

#include "npu/common/error.hpp"
#include "npu/common/file.hpp"
#include "npu_abi/fw_image.hpp"

namespace npu::driver {

class FirmwareImage {
 public:
  [[nodiscard]] static Expected<FirmwareImage> load(const std::filesystem::path& path);

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return file_.bytes(); }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return file_.path(); }
  // The header, if the file is at least header-sized and carries the firmware magic.
  [[nodiscard]] const std::optional<abi::FirmwareImageHeader>& header() const noexcept {
    return header_;
  }

  // kVersionMismatch when the image's ABI cannot work with this driver (checked before upload).
  [[nodiscard]] Expected<void> check_driver_compatible() const;

  // The device refused this image with ERROR_CODE `boot_error` (abi::BootError): what is wrong
  // with the image and what to do.
  [[nodiscard]] Error explain_boot_error(std::uint32_t boot_error, std::uint32_t device_abi) const;

 private:
  explicit FirmwareImage(MappedFile file);

  MappedFile file_;
  std::optional<abi::FirmwareImageHeader> header_;
};

}  // namespace npu::driver
