// Reads sram_bytes / ddr_bytes from a device profile JSON (see llm_device.hpp).

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"
#include "npu/common/profile_path.hpp"
#include "npu/compiler/llm_device.hpp"

namespace npu::compiler::llm {
namespace {

constexpr int kMaxBaseDepth = 8;

Expected<DeviceMemory> load_at_depth(std::string_view name_or_path, int depth) {
  NPU_TRY_ASSIGN(const std::filesystem::path path, find_device_profile(name_or_path));
  NPU_TRY_ASSIGN(const std::string text, read_text_file(path));
  return parse_device_memory(text, path.string(), depth);
}

}  // namespace

Expected<DeviceMemory> parse_device_memory(std::string_view json_text, std::string_view origin, int depth) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::kBadFormat, fmt::format("device profile {}: {}", origin, what));
  };
  if (j.is_discarded() || !j.is_object()) return bad("is not a JSON object");
  DeviceMemory m;
  if (j.contains("base")) {
    if (!j["base"].is_string()) return bad("'base' must be a profile name");
    if (depth >= kMaxBaseDepth) return bad("'base' chain is too deep (a cycle?)");
    NPU_TRY_ASSIGN(m, load_at_depth(j["base"].get<std::string>(), depth + 1));
  }
  if (j.contains("name") && j["name"].is_string()) m.name = j["name"].get<std::string>();
  const nlohmann::json* params = j.contains("params") && j["params"].is_object() ? &j["params"] : nullptr;
  for (const char* key : {"sram_bytes", "ddr_bytes"}) {
    if (params == nullptr || !params->contains(key)) continue;
    const nlohmann::json& entry = (*params)[key];
    const nlohmann::json& v = entry.is_object() && entry.contains("value") ? entry["value"] : entry;
    if (!v.is_number() || v.get<double>() < 0) return bad(fmt::format("'{}' must be a non-negative number", key));
    (std::string_view(key) == "sram_bytes" ? m.sram_bytes : m.ddr_bytes) = static_cast<std::uint64_t>(v.get<double>());
  }
  if (depth == 0 && m.ddr_bytes == 0) {
    return bad("has no ddr_bytes: LLMs need device DRAM for their weights and KV cache");
  }
  return m;
}

Expected<DeviceMemory> load_device_memory(std::string_view name_or_path) { return load_at_depth(name_or_path, 0); }

}  // namespace npu::compiler::llm
