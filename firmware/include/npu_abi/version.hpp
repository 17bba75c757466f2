// Device ABI version numbers and identities. The ABI is everything driver and device share:
// registers (regs.hpp), mailbox messages (mailbox.hpp), DMA descriptors and rings (dma.hpp), the
// firmware image header (fw_image.hpp) and context programs (program.hpp). All little-endian.
//
// Compatibility rule ("minimum per feature", not exact match): a driver and a firmware work
// together when their ABI majors are equal; a feature added in minor M is used only when the peer
// reports minor >= M (see feature table below).
#pragma once

#include <cstdint>

namespace npu::abi {

inline constexpr std::uint16_t kAbiMajor = 1;
inline constexpr std::uint16_t kAbiMinor = 5;

[[nodiscard]] constexpr std::uint32_t make_abi_version(std::uint16_t major, std::uint16_t minor) {
  return (std::uint32_t{major} << 16) | minor;
}
[[nodiscard]] constexpr std::uint16_t abi_major(std::uint32_t v) { return static_cast<std::uint16_t>(v >> 16); }
[[nodiscard]] constexpr std::uint16_t abi_minor(std::uint32_t v) { return static_cast<std::uint16_t>(v & 0xffff); }

inline constexpr std::uint32_t kAbiVersion = make_abi_version(kAbiMajor, kAbiMinor);

// Firmware versions are major.minor.patch packed as 0x00MMmmpp.
[[nodiscard]] constexpr std::uint32_t make_fw_version(std::uint8_t major, std::uint8_t minor,
                                                      std::uint8_t patch) {
  return (std::uint32_t{major} << 16) | (std::uint32_t{minor} << 8) | patch;
}

// Value of the ID register of every npustack ABI-native device: "NPUS".
inline constexpr std::uint32_t kDeviceMagic = 0x5355504e;

// Features and the ABI minor that introduced each (the driver checks the firmware's minor).
// Required features must be served by every peer the driver talks to; optional ones are used only
// when the peer's minor is at least min_minor (abi_supports in the driver), so older firmware keeps
// working without them.
struct FeatureMinimum {
  const char* name;
  std::uint16_t min_minor;
  bool required = true;
};
inline constexpr FeatureMinimum kFeatures[] = {
    {"mailbox.identify", 0}, {"mailbox.load_context", 0}, {"mailbox.run", 0},
    {"mailbox.query_stats", 0}, {"dma.rings", 0},
    // 1.1: energy in RunResponse / StatsResponse (zero from older firmware).
    {"stats.energy", 1, false},
    // 1.1: DmaFlags kDmaPlace / kDmaNoData (weight placement, timing-only uploads).
    {"dma.place", 1, false},
    // 1.1: MboxOpcode::kProfile (per-op profile records written into host memory).
    {"mailbox.profile", 1, false},
    // 1.2: HEARTBEAT_PERIOD_US and RUN_PROGRESS (regs.hpp): hang detection in well under a second,
    // RUN timeouts that follow the work. Older firmware: only the mailbox timeouts catch a hang.
    {"watchdog.heartbeat", 2, false},
    // 1.3: kRope's optional operand [1], a table of per-pair frequencies (scaled RoPE: Llama 3's
    // rope_scaling). Older firmware ignores the operand and would rotate by theta's frequencies:
    // the driver refuses such a program on it instead.
    {"op.rope_freq_table", 3, false},
    // 1.4: Gemma 3 and mixture-of-experts ops (program.hpp): kGeluGlu, kEmbed's output scale,
    // sliding-window attention over a ring KV cache, kMoeRoute / kMoeLinear. Older firmware refuses
    // these programs in validation; the driver names the missing feature first.
    {"op.gelu_glu", 4, false},
    {"op.embed_scale", 4, false},
    {"op.attention_window", 4, false},
    {"op.moe", 4, false},
    // 1.5: an I8 KV cache (kKvAppend / kAttention operand 2) with one scale per position and KV head
    // (npu_abi/kv_cache.hpp). Older firmware refuses the dtype in validation; the driver names the
    // feature first.
    {"op.kv_int8", 5, false},
};

}  // namespace npu::abi
