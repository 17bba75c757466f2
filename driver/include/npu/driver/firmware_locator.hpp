// Where the firmware image comes from, in order: an explicit path (DriverOptions::firmware_path),
// $NPU_FIRMWARE_DIR/npustack-fw.bin, the build tree's firmware dir, the install dir. A missing image
// is an error naming every path tried and how to fix it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "npu/common/error.hpp"

namespace npu::driver {

inline constexpr const char* kFirmwareFileName = "npustack-fw.bin";

struct FirmwareSearch {
  std::filesystem::path explicit_path;         // used alone when set
  std::optional<std::filesystem::path> env_dir;  // value of $NPU_FIRMWARE_DIR, if set
  std::filesystem::path build_dir;             // NPU_FIRMWARE_BUILD_DIR (may be empty)
  std::filesystem::path install_dir;           // NPU_FIRMWARE_INSTALL_DIR (may be empty)

  // The search this build uses: the environment and the compiled-in directories.
  [[nodiscard]] static FirmwareSearch from_environment(const std::filesystem::path& explicit_path);
};

// The first candidate that is a readable regular file; kNotFound listing every candidate otherwise.
[[nodiscard]] Expected<std::filesystem::path> locate_firmware(const FirmwareSearch& search);

}  // namespace npu::driver
