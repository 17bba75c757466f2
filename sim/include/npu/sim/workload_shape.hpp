// Transformer shapes and precision choices for the timing-only workload model: enough to derive
// every op's MACs and bytes. Parsed from a Hugging Face config.json (qwen2, llama, lfm2) by a
// small parser of our own; the compiler has the full one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::sim {

enum class LayerType : std::uint8_t { kAttention, kShortConv };

struct ModelShape {
  std::string architecture;        // "qwen2", "llama", "lfm2"
  std::uint32_t hidden = 0;
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;
  std::uint32_t ffn = 0;           // effective FFN width (after LFM2's auto-adjust)
  std::uint32_t vocab = 0;
  std::uint32_t conv_kernel = 0;   // LFM2 short-conv length (conv_L_cache)
  bool qkv_bias = false;           // Qwen2
  bool qk_norm = false;            // LFM2: per-head RMSNorm on q and k
  bool tied_embedding = false;
  std::vector<LayerType> layers;

  // Linear-layer and embedding parameters (norms and conv taps are negligible and left out).
  [[nodiscard]] std::uint64_t parameters() const noexcept;
};

// Quantization of one kind of layer: weight bits and activation bits, or a float format.
enum class QuantScheme : std::uint8_t { kW4A8, kW8A8, kW4A16, kW8A16, kFp16, kFp32 };

[[nodiscard]] std::string_view to_string(QuantScheme s) noexcept;
[[nodiscard]] Expected<QuantScheme> parse_quant_scheme(std::string_view text);
[[nodiscard]] std::uint32_t weight_bits(QuantScheme s) noexcept;
[[nodiscard]] std::uint32_t activation_bits(QuantScheme s) noexcept;

struct PrecisionPolicy {
  QuantScheme attention_layers = QuantScheme::kW8A8;  // every linear of an attention block
  QuantScheme conv_layers = QuantScheme::kW4A8;       // every linear of a short-conv block
  QuantScheme head = QuantScheme::kW8A8;              // output head (int8, per-block scales)
  QuantScheme embedding = QuantScheme::kFp16;         // embedding table (gathered, not streamed)
  QuantScheme kv_cache = QuantScheme::kW8A8;          // int8 KV entries
  std::uint32_t group_size = 32;  // weights per fp16 scale for quantized weights; 0 = one fp32 scale per output row

  // "default" (LFM2 policy of DESIGN.md 4: conv W4A8, attention W8A8, head int8),
  // "w4a8" (every linear W4A8, head int8 — the published Hailo configuration), "w8a8", "fp16".
  [[nodiscard]] static Expected<PrecisionPolicy> named(std::string_view name);
};

// Shapes from a Hugging Face config.json; `origin` names the file in errors.
[[nodiscard]] Expected<ModelShape> parse_hf_config(std::string_view json_text,
                                                   const std::string& origin);
[[nodiscard]] Expected<ModelShape> load_hf_config(const std::filesystem::path& path);

// LFM2's FFN auto-adjust: int(2*ff/3), times the multiplier, rounded up to multiple_of.
[[nodiscard]] std::uint32_t lfm2_effective_ffn(std::uint32_t block_ff_dim, double multiplier,
                                               std::uint32_t multiple_of) noexcept;

}  // namespace npu::sim
