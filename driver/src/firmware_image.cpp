#include "npu/driver/firmware_image.hpp"

#include <fmt/format.h>

#include <cstring>

#include "npu/driver/abi_compat.hpp"
#include "npu/driver/error_text.hpp"
#include "npu_abi/regs.hpp"
#include "npu_abi/version.hpp"

namespace npu::driver {

Expected<FirmwareImage> FirmwareImage::load(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  if (!file) return fail(file.error().with_context("reading the firmware image"));
  return FirmwareImage(std::move(*file));
}

FirmwareImage::FirmwareImage(MappedFile file) : file_(std::move(file)) {
  if (file_.size() >= sizeof(abi::FirmwareImageHeader)) {
    abi::FirmwareImageHeader h;
    std::memcpy(&h, file_.bytes().data(), sizeof h);
    if (h.magic == abi::kFirmwareMagic) header_ = h;
  }
}

Expected<void> FirmwareImage::check_driver_compatible() const {
  if (!header_) return {};  // not recognisable: let the device say what is wrong
  if (abi::abi_major(header_->abi_version) == abi::kAbiMajor) return {};
  auto r = check_abi_compatible(header_->abi_version, fmt::format("firmware image {}", path().string()));
  if (!r) return fail(r.error());
  return {};
}

Error FirmwareImage::explain_boot_error(std::uint32_t boot_error, std::uint32_t device_abi) const {
  const std::string file = path().string();
  const std::uint64_t size = file_.size();
  const std::uint64_t header = sizeof(abi::FirmwareImageHeader);
  switch (static_cast<abi::BootError>(boot_error)) {
    case abi::BootError::kNone:
      break;
    case abi::BootError::kBadMagic:
      return Error(ErrorCode::kBadFormat,
                   fmt::format("the device refused {}: it is not an npustack firmware image (no "
                               "\"NPFW\" magic); point NPU_FIRMWARE_DIR or firmware_path at "
                               "npustack-fw.bin",
                               file));
    case abi::BootError::kAbiMismatch:
      return Error(ErrorCode::kVersionMismatch,
                   fmt::format("the device refused {}: firmware image {} does not match device "
                               "{}.x (same major, minor not newer than the device's {} required); "
                               "install the npustack firmware matching this device",
                               file,
                               header_ ? abi_version_text(header_->abi_version)
                                       : std::string("ABI ?"),
                               fmt::format("ABI {}", abi::abi_major(device_abi)),
                               abi_version_text(device_abi)));
    case abi::BootError::kBadChecksum:
      return Error(ErrorCode::kBadFormat,
                   fmt::format("the device refused {}: CRC-32 check failed, the image is corrupt; "
                               "reinstall or rebuild the firmware",
                               file));
    case abi::BootError::kTruncated:
      return Error(ErrorCode::kBadFormat,
                   fmt::format("the device refused {}: the image is truncated ({} bytes, header "
                               "promises {}); the download or copy was cut short, reinstall it",
                               file, size,
                               header_ ? fmt::format("{}", header + header_->payload_size)
                                       : std::string("at least a 64-byte header")));
    case abi::BootError::kDmaError:
      return Error(ErrorCode::kDeviceError,
                   fmt::format("the device could not read the firmware image from host memory "
                               "(DMA error while booting {}); check the IOMMU/VFIO setup and "
                               "the PCIe link",
                               file));
    case abi::BootError::kTooLarge:
      return Error(ErrorCode::kBadFormat,
                   fmt::format("the device refused {}: {} bytes do not fit its {}-MiB firmware "
                               "region; this is not a firmware image for this device",
                               file, size, abi::kFirmwareMaxSize >> 20));
    case abi::BootError::kBadHeader:
      return Error(ErrorCode::kBadFormat,
                   fmt::format("the device refused {}: invalid header (header_size or reserved "
                               "fields); rebuild the image with npustack's firmware tool",
                               file));
  }
  return Error(ErrorCode::kDeviceError,
               fmt::format("the device refused {} with boot error {} (unknown to this driver); "
                           "update npustack",
                           file, boot_error));
}

}  // namespace npu::driver
