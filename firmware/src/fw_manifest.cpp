#include "npu/firmware/fw_manifest.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include "npu_abi/version.hpp"

namespace npu::fw {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_u32(std::string_view s, std::uint32_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// "a.b" or "a.b.c" into numbers, each below `limit`.
bool parse_dotted(std::string_view s, std::size_t parts, std::uint32_t limit, std::uint32_t* out) {
  for (std::size_t i = 0; i < parts; ++i) {
    std::size_t dot = i + 1 < parts ? s.find('.') : s.size();
    if (dot == std::string_view::npos) return false;
    if (!parse_u32(s.substr(0, dot), out[i]) || out[i] >= limit) return false;
    s = dot < s.size() ? s.substr(dot + 1) : std::string_view{};
  }
  return true;
}

}  // namespace

bool FirmwareManifest::has_feature(std::string_view feature) const noexcept {
  return std::ranges::find(features, feature) != features.end();
}

FirmwareManifest FirmwareManifest::current(std::uint32_t fw_version) {
  FirmwareManifest m;
  m.fw_version = fw_version;
  m.abi_version = abi::kAbiVersion;
  for (const auto& f : abi::kFeatures) m.features.emplace_back(f.name);
  return m;
}

std::string format_manifest(const FirmwareManifest& m) {
  std::string features;
  for (const auto& f : m.features) features += (features.empty() ? "" : ",") + f;
  return fmt::format("{}\nname={}\nversion={}.{}.{}\nabi={}.{}\nmax_contexts={}\nfeatures={}\n",
                     kManifestFirstLine, m.name, (m.fw_version >> 16) & 0xff,
                     (m.fw_version >> 8) & 0xff, m.fw_version & 0xff, abi::abi_major(m.abi_version),
                     abi::abi_minor(m.abi_version), m.max_contexts, features);
}

Expected<FirmwareManifest> parse_manifest(std::string_view text) {
  FirmwareManifest m;
  m.features.clear();
  bool first = true, have_version = false, have_abi = false, have_features = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    auto bad = [&](std::string_view why) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("firmware manifest line {}: {} ('{}')", line_no, why, line));
    };
    if (first) {
      if (line != kManifestFirstLine) return bad(fmt::format("expected '{}'", kManifestFirstLine));
      first = false;
      continue;
    }
    if (line.empty() || line.front() == '#') continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) return bad("expected key=value");
    std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "name") {
      if (value.empty() || value.size() > 64) return bad("name must be 1..64 characters");
      m.name = value;
    } else if (key == "version") {
      std::uint32_t v[3];
      if (!parse_dotted(value, 3, 256, v)) return bad("version must be major.minor.patch (< 256)");
      m.fw_version = abi::make_fw_version(static_cast<std::uint8_t>(v[0]), static_cast<std::uint8_t>(v[1]),
                                          static_cast<std::uint8_t>(v[2]));
      have_version = true;
    } else if (key == "abi") {
      std::uint32_t v[2];
      if (!parse_dotted(value, 2, 65536, v)) return bad("abi must be major.minor");
      m.abi_version = abi::make_abi_version(static_cast<std::uint16_t>(v[0]), static_cast<std::uint16_t>(v[1]));
      have_abi = true;
    } else if (key == "max_contexts") {
      if (!parse_u32(value, m.max_contexts) || m.max_contexts == 0 || m.max_contexts > kMaxContextsLimit)
        return bad(fmt::format("max_contexts must be 1..{}", kMaxContextsLimit));
    } else if (key == "features") {
      while (!value.empty()) {
        std::size_t comma = value.find(',');
        std::string_view f = trim(value.substr(0, comma));
        if (f.empty()) return bad("empty feature name");
        m.features.emplace_back(f);
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
      }
      have_features = true;
    } else {
      return bad("unknown key");
    }
  }
  if (first) return fail(ErrorCode::kBadFormat, "firmware manifest is empty");
  if (!have_version || !have_abi || !have_features)
    return fail(ErrorCode::kBadFormat, "firmware manifest lacks one of version=, abi=, features=");
  return m;
}

}  // namespace npu::fw
