// DeviceProfile::load / parse / find: profile files with a {"value", "why"} pair per field.
#include "npu/sim/device_profile.hpp"

#include <cmath>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/file.hpp"
#include "npu/common/profile_path.hpp"
#include "profile_fields.hpp"


namespace npu::sim {

namespace {

using nlohmann::json;
constexpr int kMaxBaseDepth = 8;

Expected<DeviceProfile> parse_at_depth(std::string_view text, const std::string& origin,
                                       int depth);

Expected<DeviceProfile> load_at_depth(const std::string& name_or_path, int depth) {
  NPU_TRY_ASSIGN(auto path, DeviceProfile::find(name_or_path));
  NPU_TRY_ASSIGN(auto text, read_text_file(path));
  return parse_at_depth(text, path.string(), depth);
}

Error bad(const std::string& origin, std::string_view field, const std::string& what) {
  return Error(ErrorCode::kBadFormat,
               fmt::format("device profile {}: field \"{}\": {}; each field is "
                           "{{\"value\": ..., \"why\": \"...\"}} (see profiles/hailo10h.json)",
                           origin, field, what));
}

// Stores one {"value", "why"} entry into `profile`.
Expected<void> apply_field(const detail::ProfileField& field, const json& entry,
                           const std::string& origin, DeviceProfile& profile) {
  if (!entry.is_object()) return fail(bad(origin, field.name, "is not an object"));
  const auto why = entry.find("why");
  if (why == entry.end() || !why->is_string() || why->get<std::string>().empty()) {
    return fail(bad(origin, field.name, "has no \"why\" note (where does the value come from?)"));
  }
  const auto value = entry.find("value");
  if (value == entry.end()) return fail(bad(origin, field.name, "has no \"value\""));
  if (std::holds_alternative<std::string DeviceProfile::*>(field.member)) {
    if (!value->is_string()) return fail(bad(origin, field.name, "value must be a string"));
    profile.*std::get<std::string DeviceProfile::*>(field.member) = value->get<std::string>();
  } else {
    if (!value->is_number()) return fail(bad(origin, field.name, "value must be a number"));
    const double v = value->get<double>();
    if (!std::isfinite(v) || v < field.min || v > field.max) {
      return fail(bad(origin, field.name,
                      fmt::format("value {} is outside the sane range [{}, {}]", v, field.min,
                                  field.max)));
    }
    if (const auto* d = std::get_if<double DeviceProfile::*>(&field.member)) {
      profile.**d = v;
    } else {
      if (v != std::floor(v)) return fail(bad(origin, field.name, "value must be an integer"));
      if (const auto* u64 = std::get_if<std::uint64_t DeviceProfile::*>(&field.member)) {
        profile.**u64 = static_cast<std::uint64_t>(v);
      } else {
        profile.*std::get<std::uint32_t DeviceProfile::*>(field.member) =
            static_cast<std::uint32_t>(v);
      }
    }
  }
  profile.why[std::string(field.name)] = why->get<std::string>();
  return {};
}

Expected<DeviceProfile> parse_at_depth(std::string_view text, const std::string& origin,
                                       int depth) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("device profile {}: not valid JSON ({}); fix the file or pick another "
                            "profile",
                            origin, e.what()));
  }
  if (!doc.is_object()) {
    return fail(ErrorCode::kBadFormat, fmt::format("device profile {}: top level must be an "
                                                   "object with \"name\" and \"params\"", origin));
  }
  DeviceProfile profile;
  const auto base = doc.find("base");
  if (base != doc.end()) {
    if (!base->is_string()) return fail(bad(origin, "base", "must be a profile name"));
    if (depth >= kMaxBaseDepth) {
      return fail(bad(origin, "base", "chain of base profiles is too deep (a cycle?)"));
    }
    auto loaded = load_at_depth(base->get<std::string>(), depth + 1);
    if (!loaded) return fail(loaded.error().with_context(fmt::format("{}: base", origin)));
    profile = std::move(*loaded);
  }
  for (const char* key : {"name", "description"}) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_string() || it->get<std::string>().empty()) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("device profile {}: field \"{}\" is missing or not a string", origin,
                              key));
    }
  }
  profile.name = doc["name"].get<std::string>();
  profile.description = doc["description"].get<std::string>();

  const auto params = doc.find("params");
  if (params == doc.end() || !params->is_object()) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("device profile {}: field \"params\" is missing or not an object",
                            origin));
  }
  std::set<std::string, std::less<>> known;
  for (const auto& field : detail::profile_fields()) {
    known.emplace(field.name);
    const auto entry = params->find(std::string(field.name));
    if (entry == params->end()) {
      if (base != doc.end()) continue;  // inherited
      return fail(bad(origin, field.name, "is missing"));
    }
    NPU_TRY(apply_field(field, *entry, origin, profile));
  }
  for (const auto& [key, unused] : params->items()) {
    if (!known.contains(key)) {
      return fail(bad(origin, key, "is not a profile field (a typo?)"));
    }
  }
  if (profile.int4_ops_per_s < profile.int8_ops_per_s) {
    return fail(bad(origin, "int4_ops_per_s", "is below int8_ops_per_s"));
  }
  return profile;
}

}  // namespace

std::uint64_t DeviceProfile::cycles(double seconds_) const noexcept {
  if (!(seconds_ > 0)) return 0;
  return static_cast<std::uint64_t>(std::ceil(seconds_ * clock_hz));
}

Expected<std::filesystem::path> DeviceProfile::find(const std::string& name_or_path) {
  return find_device_profile(name_or_path);
}

Expected<DeviceProfile> DeviceProfile::load(const std::string& name_or_path) {
  return load_at_depth(name_or_path, 0);
}

Expected<DeviceProfile> DeviceProfile::parse(std::string_view json_text,
                                             const std::string& origin) {
  return parse_at_depth(json_text, origin, 0);
}

}  // namespace npu::sim
