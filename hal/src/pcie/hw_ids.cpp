#include "npu/hal/hw_ids.hpp"

#include <array>
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

#include "npu/common/log.hpp"

namespace npu::hal {
namespace {

constexpr std::array kParts{
    KnownPart{kHailoPciVendor, 0x2864, "Hailo-8/8L/8R", false, "hailo8"},
    KnownPart{kHailoPciVendor, 0x45c4, "Hailo-10H", false, "hailo10h"},
    KnownPart{kHailoPciVendor, 0x43a2, "Hailo-15L", false, "hailo15l"},
    KnownPart{kNativePciVendor, kNativePciDevice, "npustack ABI-native NPU", true, ""},
};

Expected<std::uint16_t> parse_hex16(std::string_view s) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  std::uint16_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (s.empty() || s.size() > 4 || ec != std::errc() || p != s.data() + s.size())
    return fail(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a 16-bit hex id", s));
  return v;
}

}  // namespace

std::span<const KnownPart> known_pci_parts() noexcept { return kParts; }

Expected<std::pair<std::uint16_t, std::uint16_t>> parse_pci_id(std::string_view text) {
  const auto colon = text.find(':');
  auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("PCI id '{}' must be vendor:device in hex, e.g. 1b36:4e50", text));
  };
  if (colon == std::string_view::npos) return bad();
  auto vendor = parse_hex16(text.substr(0, colon));
  auto device = parse_hex16(text.substr(colon + 1));
  if (!vendor || !device) return bad();
  return std::pair{*vendor, *device};
}

std::optional<KnownPart> find_pci_part(std::uint16_t vendor, std::uint16_t device) {
  for (const auto& part : kParts)
    if (part.vendor_id == vendor && part.device_id == device) return part;
  if (const char* env = std::getenv("NPU_PCI_ID"); env && *env) {
    auto extra = parse_pci_id(env);
    if (!extra) {
      log().warn("ignoring NPU_PCI_ID: {}", extra.error().message());
    } else if (extra->first == vendor && extra->second == device) {
      return KnownPart{vendor, device, "npustack ABI-native NPU (NPU_PCI_ID)", true, ""};
    }
  }
  return std::nullopt;
}

}  // namespace npu::hal
