// The few device-profile facts the LLM compiler plans against (SRAM and DDR sizes), read from the
// same profile JSON files the simulator loads, found the same way: a file path, or a name looked
// up in $NPU_PROFILE_DIR, the source tree's profiles/ and the installed profiles folder. The
// compiler does not link the simulator, so it parses these fields itself (following "base").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "npu/common/error.hpp"

namespace npu::compiler::llm {

struct DeviceMemory {
  std::string name = "hailo10h";
  std::uint64_t sram_bytes = 0;
  std::uint64_t ddr_bytes = 0;
};

// "hailo10h", another profile name, or a path to a profile JSON file.
[[nodiscard]] Expected<DeviceMemory> load_device_memory(std::string_view name_or_path);
// Parses profile JSON text; `resolve_base` loads a named base profile (for "base": "...").
[[nodiscard]] Expected<DeviceMemory> parse_device_memory(std::string_view json_text, std::string_view origin,
                                                         int depth = 0);

}  // namespace npu::compiler::llm
