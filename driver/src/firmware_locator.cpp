#include "npu/driver/firmware_locator.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <system_error>
#include <utility>
#include <vector>

namespace npu::driver {
namespace fs = std::filesystem;

#ifndef NPU_FIRMWARE_BUILD_DIR
#define NPU_FIRMWARE_BUILD_DIR ""
#endif
#ifndef NPU_FIRMWARE_INSTALL_DIR
#define NPU_FIRMWARE_INSTALL_DIR ""
#endif

FirmwareSearch FirmwareSearch::from_environment(const fs::path& explicit_path) {
  FirmwareSearch s;
  s.explicit_path = explicit_path;
  if (const char* env = std::getenv("NPU_FIRMWARE_DIR"); env != nullptr && *env != '\0') {
    s.env_dir = fs::path(env);
  }
  s.build_dir = NPU_FIRMWARE_BUILD_DIR;
  s.install_dir = NPU_FIRMWARE_INSTALL_DIR;
  return s;
}

namespace {

// Empty string when `path` is a usable image file, else why not.
std::string why_unusable(const fs::path& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return "does not exist";
  if (fs::is_directory(st)) return "is a directory, not a file";
  if (!fs::is_regular_file(st)) return "is not a regular file";
  return {};
}

}  // namespace

Expected<fs::path> locate_firmware(const FirmwareSearch& search) {
  if (!search.explicit_path.empty()) {
    if (auto why = why_unusable(search.explicit_path); !why.empty()) {
      return fail(ErrorCode::kNotFound,
                  fmt::format("firmware image {} (DriverOptions::firmware_path) {}; pass the path "
                              "of an npustack firmware image, or leave it empty to search the "
                              "default locations",
                              search.explicit_path.string(), why));
    }
    return search.explicit_path;
  }

  std::vector<std::pair<fs::path, std::string>> tried;  // candidate, where it came from
  if (search.env_dir) tried.emplace_back(*search.env_dir / kFirmwareFileName, "$NPU_FIRMWARE_DIR");
  if (!search.build_dir.empty()) tried.emplace_back(search.build_dir / kFirmwareFileName, "build tree");
  if (!search.install_dir.empty()) {
    tried.emplace_back(search.install_dir / kFirmwareFileName, "install dir");
  }

  std::string report;
  for (const auto& [path, origin] : tried) {
    const auto why = why_unusable(path);
    if (why.empty()) return path;
    report += fmt::format("\n  {} ({}): {}", path.string(), origin, why);
  }
  if (tried.empty()) report = "\n  (no search locations configured)";
  return fail(ErrorCode::kNotFound,
              fmt::format("no npustack firmware image found. Tried:{}\nFix: build the firmware "
                          "(the 'npu_firmware_image' target writes {}), install the npustack "
                          "package, set NPU_FIRMWARE_DIR to the directory holding {}, or pass "
                          "DriverOptions::firmware_path",
                          report, kFirmwareFileName, kFirmwareFileName));
}

}  // namespace npu::driver
