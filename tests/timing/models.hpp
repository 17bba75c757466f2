// Reference model configs for the timing tests, read from the shared models folder
// (NPU_SHARED_MODELS_DIR, set in CMakeLists.txt; override with the environment variable).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "npu/sim/device_profile.hpp"
#include "npu/sim/workload_shape.hpp"

namespace npu::sim::testing {

inline std::filesystem::path models_dir() {
  if (const char* env = std::getenv("NPU_SHARED_MODELS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return NPU_SHARED_MODELS_DIR;
}

inline ModelShape model(const std::string& file) {
  auto shape = load_hf_config(models_dir() / file);
  EXPECT_TRUE(shape) << shape.error().what();
  return shape ? *shape : ModelShape{};
}

inline DeviceProfile device(const std::string& name) {
  auto p = DeviceProfile::load(name);
  EXPECT_TRUE(p) << p.error().what();
  return p ? *p : DeviceProfile{};
}

inline constexpr const char* kQwen15 = "qwen2-1.5b-instruct.config.json";
inline constexpr const char* kLfm12 = "lfm2.5-1.2b-thinking.config.json";
inline constexpr const char* kLfm350 = "lfm2-350m.config.json";

}  // namespace npu::sim::testing
