// The one mapping from an op's shape to the WorkItem the TimingModel charges. The workload model
// builds OpShapes from transformer shapes; the functional device model builds them from compiled
// program ops (npu_abi OpDesc), so both charge the same op the same way.
#pragma once

#include <cstdint>
#include <string>

#include "npu/sim/timing_model.hpp"
#include "npu/sim/workload_shape.hpp"

namespace npu::sim {

enum class OpKind : std::uint8_t {
  kGemm,         // [m x k] x [k x n] with quantized weights
  kAttention,    // m queries over `context` cached positions (QK^T, softmax, PV)
  kShortConv,    // LFM2 gated depthwise causal conv over k channels, kernel n
  kNorm,         // RMSNorm of m rows of k
  kRope,         // rotary embedding of m rows of k elements
  kElementwise,  // m x k elements, n ops each (SwiGLU, residual add)
  kEmbedding,    // gather m rows of k from an n-row table
  kArgmax,       // m rows of k logits -> token ids
};

struct OpShape {
  OpKind kind = OpKind::kGemm;
  std::string label;
  std::uint32_t layer = WorkItem::kNoLayer;
  std::uint64_t m = 1;  // rows (tokens)
  std::uint64_t k = 0;  // reduction / row width
  std::uint64_t n = 0;  // output features / kernel / ops per element
  QuantScheme scheme = QuantScheme::kW8A8;  // weights (and activation width)
  std::uint32_t group_size = 32;            // weights per fp16 scale
  bool bias = false;
  // Attention:
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;
  std::uint64_t context = 0;       // positions attended per query (average for a causal chunk)
  std::uint64_t cached = 0;        // positions read from the KV cache
  QuantScheme kv_scheme = QuantScheme::kW8A8;
  MemLocation weights = MemLocation::kDdr;  // weights, and the KV cache for attention
  MemLocation activations = MemLocation::kSram;
};

// Bytes of a k x n weight matrix in `scheme` with one fp16 scale per `group` weights.
[[nodiscard]] std::uint64_t quantized_weight_bytes(QuantScheme scheme, std::uint64_t k,
                                                   std::uint64_t n, std::uint32_t group) noexcept;

// MACs, vector work and bytes of `op`, as a compute WorkItem.
[[nodiscard]] WorkItem make_work_item(const OpShape& op);

}  // namespace npu::sim
