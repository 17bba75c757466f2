// Where device profiles (the JSON files of profiles/, read by the simulator and by the compiler's
// memory planning) are found: one lookup for every reader.
#pragma once

#include <filesystem>
#include <string_view>

#include "npu/common/error.hpp"

namespace npu {

// A path as given (anything with a '/' or ending in ".json"), or NAME.json in $NPU_PROFILE_DIR,
// then the source tree's profiles/, then the installed profiles folder. kNotFound lists the places
// searched; kInvalidArgument for an empty name.
[[nodiscard]] Expected<std::filesystem::path> find_device_profile(std::string_view name_or_path);

}  // namespace npu
