// Reference model shapes for the timing tests: the published config.json values built into the
// compiler (`npu compile --synthetic NAME`), so the tests need nothing outside the repository.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "npu/compiler/llm_builtin.hpp"
#include "npu/sim/device_profile.hpp"
#include "npu/sim/workload_shape.hpp"

namespace npu::sim::testing {

inline ModelShape model(const std::string& name) {
  const auto builtin = compiler::llm::find_builtin_model(name);
  EXPECT_TRUE(builtin.has_value()) << "no built-in model " << name;
  if (!builtin) return ModelShape{};
  auto shape = parse_hf_config(builtin->config_json, name);
  EXPECT_TRUE(shape) << shape.error().what();
  return shape ? *shape : ModelShape{};
}

inline DeviceProfile device(const std::string& name) {
  auto p = DeviceProfile::load(name);
  EXPECT_TRUE(p) << p.error().what();
  return p ? *p : DeviceProfile{};
}

inline constexpr const char* kQwen15 = "qwen2-1.5b";
inline constexpr const char* kLfm12 = "lfm2.5-1.2b";
inline constexpr const char* kLfm350 = "lfm2-350m";

}  // namespace npu::sim::testing
