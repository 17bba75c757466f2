// Which optional ABI features (version.hpp's kFeatures) an op of a context program needs, written
// once for the driver (which refuses such a program on older firmware, naming the feature) and the
// firmware (whose validator refuses it when its manifest lacks the feature).
#pragma once

#include <cstddef>
#include <cstdint>

#include "npu_abi/program.hpp"

namespace npu::abi {

struct OpFeature {
  const char* name;  // kFeatures' name
  const char* what;  // what a program uses it for (error messages)
};

// The features `op` needs, at most kMaxOpFeatures; `count` of them are set.
inline constexpr std::size_t kMaxOpFeatures = 2;
struct OpFeatures {
  OpFeature list[kMaxOpFeatures] = {};
  std::size_t count = 0;
};

[[nodiscard]] constexpr OpFeatures op_features(const OpDesc& op) noexcept {
  OpFeatures f;
  auto add = [&](const char* name, const char* what) {
    if (f.count < kMaxOpFeatures) f.list[f.count++] = OpFeature{name, what};
  };
  const auto code = static_cast<OpCode>(op.opcode);
  if (code == OpCode::kRope && op.operands[1].segment != kNoSegment)
    add("op.rope_freq_table", "a RoPE op with a frequency table (scaled RoPE, e.g. Llama 3)");
  if (code == OpCode::kGeluGlu) add("op.gelu_glu", "a GELU-gated feed-forward (Gemma)");
  if (code == OpCode::kEmbed && op.params[0] != 0) add("op.embed_scale", "a scaled embedding (Gemma)");
  if ((code == OpCode::kAttention && op.dims[5] != 0) || (code == OpCode::kKvAppend && op.dims[4] != 0))
    add("op.attention_window", "sliding-window attention (Gemma 3 local layers)");
  if (code == OpCode::kMoeRoute || code == OpCode::kMoeLinear)
    add("op.moe", "a routed mixture-of-experts feed-forward (LFM2-MoE)");
  if ((code == OpCode::kAttention || code == OpCode::kKvAppend) && op.operands[2].dtype == static_cast<std::uint8_t>(DType::kI8))
    add("op.kv_int8", "an int8 KV cache (the w4a8 / w8a8 / default precision policies)");
  return f;
}

}  // namespace npu::abi
