// The firmware image payload: a small text manifest the control core parses at boot.
//
//   npustack-firmware 1
//   name=npustack-fw
//   version=0.1.0
//   abi=1.0
//   max_contexts=16
//   features=mailbox.identify,mailbox.load_context,mailbox.run,mailbox.query_stats,dma.rings
//
// One key=value per line, '#' starts a comment line. The firmware serves only the features it
// lists (a mailbox command whose feature is missing answers kBadOpcode); RESET and UNLOAD_CONTEXT
// are always served.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::fw {

inline constexpr std::string_view kManifestFirstLine = "npustack-firmware 1";
inline constexpr std::uint32_t kMaxContextsLimit = 64;

struct FirmwareManifest {
  std::string name = "npustack-fw";
  std::uint32_t fw_version = 0;   // abi::make_fw_version
  std::uint32_t abi_version = 0;  // abi::make_abi_version
  std::uint32_t max_contexts = 16;
  std::vector<std::string> features;

  [[nodiscard]] bool has_feature(std::string_view feature) const noexcept;

  // The manifest this build of the firmware ships (every feature of abi::kFeatures).
  [[nodiscard]] static FirmwareManifest current(std::uint32_t fw_version);
};

[[nodiscard]] std::string format_manifest(const FirmwareManifest& manifest);
// kBadFormat naming the offending line when the text is malformed.
[[nodiscard]] Expected<FirmwareManifest> parse_manifest(std::string_view text);

}  // namespace npu::fw
