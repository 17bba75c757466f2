#include "npu/common/profile_path.hpp"

#include <cstdlib>
#include <string>
#include <system_error>

#include <fmt/format.h>

#ifndef NPU_PROFILE_BUILD_DIR
#define NPU_PROFILE_BUILD_DIR ""
#endif
#ifndef NPU_PROFILE_INSTALL_DIR
#define NPU_PROFILE_INSTALL_DIR ""
#endif

namespace npu {

Expected<std::filesystem::path> find_device_profile(std::string_view name_or_path) {
  if (name_or_path.empty()) {
    return fail(ErrorCode::kInvalidArgument, "empty device profile name; try \"hailo10h\"");
  }
  std::error_code ec;
  if (name_or_path.find('/') != std::string_view::npos || name_or_path.ends_with(".json")) {
    if (std::filesystem::is_regular_file(std::filesystem::path(name_or_path), ec)) return std::filesystem::path(name_or_path);
    return fail(ErrorCode::kNotFound, fmt::format("device profile file {} does not exist", name_or_path));
  }
  std::string searched;
  auto look = [&](std::string_view dir) -> std::filesystem::path {
    if (dir.empty()) return {};
    const auto candidate = std::filesystem::path(dir) / (std::string(name_or_path) + ".json");
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    searched += (searched.empty() ? "" : ", ") + std::string(dir);
    return {};
  };
  const char* env = std::getenv("NPU_PROFILE_DIR");
  for (std::string_view dir : {std::string_view(env != nullptr ? env : ""), std::string_view(NPU_PROFILE_BUILD_DIR),
                               std::string_view(NPU_PROFILE_INSTALL_DIR)}) {
    if (auto found = look(dir); !found.empty()) return found;
  }
  return fail(ErrorCode::kNotFound,
              fmt::format("device profile \"{}\" not found (searched: {}); give a file path or set NPU_PROFILE_DIR",
                          name_or_path, searched));
}

}  // namespace npu
