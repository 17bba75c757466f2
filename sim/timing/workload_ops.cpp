// Op shape -> WorkItem. Vector-op counts per element are rough instruction counts of the
// element-wise units (e.g. RMSNorm: square, accumulate, scale, multiply by weight).
#include "npu/sim/workload_ops.hpp"

namespace npu::sim {

namespace {

Precision mac_precision(QuantScheme s) {
  // A mixed pair runs at the rate of its wider operand (W4A8 on the int8 arrays).
  switch (s) {
    case QuantScheme::kW4A8:
    case QuantScheme::kW8A8: return Precision::kInt8;
    case QuantScheme::kW4A16:
    case QuantScheme::kW8A16: return Precision::kInt16;
    case QuantScheme::kFp16: return Precision::kFp16;
    case QuantScheme::kFp32: return Precision::kFp32;
  }
  return Precision::kInt8;
}

std::uint64_t act_bytes(QuantScheme s, std::uint64_t elements) {
  return elements * activation_bits(s) / 8;
}

constexpr std::uint64_t kNormOpsPerElement = 4;
constexpr std::uint64_t kSoftmaxOpsPerScore = 5;  // scale, max, exp, sum, normalise
constexpr std::uint64_t kRopeOpsPerElement = 3;

}  // namespace

std::uint64_t quantized_weight_bytes(QuantScheme scheme, std::uint64_t k, std::uint64_t n,
                                     std::uint32_t group) noexcept {
  const std::uint64_t count = k * n;
  std::uint64_t bytes = (count * weight_bits(scheme) + 7) / 8;
  if (weight_bits(scheme) <= 8) bytes += group > 0 ? (count + group - 1) / group * 2 : n * 4;
  return bytes;
}

WorkItem make_work_item(const OpShape& op) {
  WorkItem w;
  w.kind = WorkKind::kCompute;
  w.label = op.label;
  w.layer = op.layer;
  w.weight_location = op.weights;
  w.act_location = op.activations;
  w.precision = Precision::kInt8;
  switch (op.kind) {
    case OpKind::kGemm:
      w.macs = op.m * op.k * op.n;
      w.precision = mac_precision(op.scheme);
      w.weight_bytes = quantized_weight_bytes(op.scheme, op.k, op.n, op.group_size) +
                       (op.bias ? op.n * 4 : 0);
      w.vector_ops = op.m * op.n;  // requantization of the int32 accumulators
      w.act_bytes_in = act_bytes(op.scheme, op.m * op.k);
      w.act_bytes_out = act_bytes(op.scheme, op.m * op.n);
      break;
    case OpKind::kAttention: {
      const std::uint64_t kv_elem_bytes = weight_bits(op.kv_scheme) / 8;
      const std::uint64_t kv_row = static_cast<std::uint64_t>(op.kv_heads) * op.head_dim;
      const std::uint64_t scores = op.m * op.heads * op.context;
      w.macs = 2 * scores * op.head_dim;  // QK^T and PV
      w.precision = mac_precision(op.kv_scheme);
      w.vector_ops = scores * kSoftmaxOpsPerScore;
      // The KV cache (where op.weights says: DDR unless the whole model fits on chip): read the
      // cached rows, append this chunk's rows.
      w.weight_bytes = 2 * kv_row * (op.cached + op.m) * kv_elem_bytes;
      w.act_bytes_in = act_bytes(op.scheme, op.m * op.heads * op.head_dim);
      w.act_bytes_out = act_bytes(op.scheme, op.m * op.heads * op.head_dim);
      break;
    }
    case OpKind::kShortConv:
      // B*x gate, depthwise conv of n taps, C*y gate; conv state (n-1 rows) read and written.
      w.vector_ops = op.m * op.k * (2 * op.n + 2);
      w.weight_bytes = op.k * op.n * 2 + 2 * (op.n - 1) * op.k * 2;
      w.weight_location = MemLocation::kDdr;
      w.act_bytes_in = act_bytes(op.scheme, 3 * op.m * op.k);
      w.act_bytes_out = act_bytes(op.scheme, op.m * op.k);
      break;
    case OpKind::kNorm:
      w.vector_ops = op.m * op.k * kNormOpsPerElement;
      w.weight_bytes = op.k * 2;
      w.weight_location = MemLocation::kSram;
      w.act_bytes_in = w.act_bytes_out = act_bytes(op.scheme, op.m * op.k);
      break;
    case OpKind::kRope:
      w.vector_ops = op.m * op.k * kRopeOpsPerElement;
      w.act_bytes_in = w.act_bytes_out = act_bytes(op.scheme, op.m * op.k);
      break;
    case OpKind::kElementwise:
      w.vector_ops = op.m * op.k * op.n;
      w.act_bytes_in = act_bytes(op.scheme, 2 * op.m * op.k);
      w.act_bytes_out = act_bytes(op.scheme, op.m * op.k);
      break;
    case OpKind::kEmbedding:
      w.vector_ops = op.m * op.k;  // dequantise the gathered rows
      w.weight_bytes = op.m * op.k * weight_bits(op.scheme) / 8;
      w.act_bytes_out = op.m * op.k;
      break;
    case OpKind::kArgmax:
      w.vector_ops = op.m * op.k;
      w.act_bytes_in = op.m * op.k * 4;
      w.act_bytes_out = op.m * 4;
      break;
  }
  return w;
}

}  // namespace npu::sim
