// Precision policies for LLM compilation: which storage type every linear layer's weights get
// (int4 / int8 with int8 activations, or float), the head's quantization, the embedding's storage
// and the attention KV cache's element type. Built-in policies: "default" (LFM2 conv blocks W4A8,
// attention blocks W8A8, embedding f16, head int8 per-block-32, KV cache int8), "w4a8", "w8a8" (KV
// cache int8), "fp32" (KV cache fp32). docs/llm.md says why. A JSON file can name precision per layer
// type and per layer index (policies/*.json shows the form).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "npu/common/error.hpp"
#include "npu/compiler/model_config.hpp"

namespace npu::compiler::llm {

// How a linear layer's weights are stored. Integer weights take int8 activations (quantized by
// a statically calibrated scale); float weights take float activations.
enum class WeightType : std::uint8_t { kF32, kF16, kInt8, kInt4 };

struct LinearPrecision {
  WeightType weights = WeightType::kF32;
  std::uint32_t group = 0;  // 0: one scale per output row; else one per `group` inputs
  [[nodiscard]] bool quantized() const noexcept { return weights == WeightType::kInt8 || weights == WeightType::kInt4; }
};

enum class EmbeddingType : std::uint8_t { kF32, kF16, kBF16, kInt8 };

// How the attention KV cache holds K and V: float, or int8 with one scale per cached position and
// KV head, computed when the position is written (npu_abi/kv_cache.hpp).
enum class KvCacheType : std::uint8_t { kF32, kF16, kInt8 };

struct PrecisionPolicy {
  std::string name = "default";
  LinearPrecision conv{WeightType::kInt4, 0};        // every linear of a conv block (incl. its FFN)
  LinearPrecision attention{WeightType::kInt8, 0};   // every linear of an attention block
  std::map<std::uint32_t, LinearPrecision> layers;   // per-index overrides
  LinearPrecision head{WeightType::kInt8, 32};
  EmbeddingType embedding = EmbeddingType::kF16;
  KvCacheType kv_cache = KvCacheType::kInt8;

  [[nodiscard]] LinearPrecision for_layer(std::uint32_t index, LayerKind kind) const;
};

// "w4a8", "w8a8", "f16", "fp32" (layers); "int8-block32", "int8", "int4", "f16", "fp32" (head).
[[nodiscard]] std::string to_string(const LinearPrecision& p, bool head = false);
[[nodiscard]] Expected<LinearPrecision> parse_linear_precision(std::string_view text);
[[nodiscard]] std::string_view to_string(EmbeddingType t) noexcept;
[[nodiscard]] Expected<EmbeddingType> parse_embedding_type(std::string_view text);
// "int8", "f16", "fp32".
[[nodiscard]] std::string_view to_string(KvCacheType t) noexcept;
[[nodiscard]] Expected<KvCacheType> parse_kv_cache_type(std::string_view text);

// A built-in policy by name; kNotFound lists the names.
[[nodiscard]] Expected<PrecisionPolicy> builtin_policy(std::string_view name);
// Parses a policy JSON document; "base" names the built-in policy it starts from (default: "default").
[[nodiscard]] Expected<PrecisionPolicy> parse_policy_json(std::string_view text, std::string_view origin);
// A built-in name, or a path to a JSON file.
[[nodiscard]] Expected<PrecisionPolicy> load_policy(std::string_view name_or_path);

}  // namespace npu::compiler::llm
