// The WorkItem of each op: MACs / vector work, bytes of weights and activations, where they live.
#include <algorithm>

#include <fmt/format.h>

#include "npu_abi/operand_sizes.hpp"
#include "op_kernels.hpp"

namespace npu::sim {

std::uint64_t op_rows(const fw::OpRequest& r) noexcept {
  if (r.run_params.size() <= abi::kParamTokens) return r.op->dims[0];
  return abi::op_rows(*r.op, r.run_params[abi::kParamTokens]);
}

std::int64_t op_position(const fw::OpRequest& r) noexcept {
  return r.run_params.size() > abi::kParamPosition ? r.run_params[abi::kParamPosition] : 0;
}

namespace {
// The MAC precision of a linear (kLinear, kMoeLinear) over its weights' dtype. Integer weights meet
// int8 activations: W4A8 runs at the rate of its wider operand (the int8 arrays); the int4 rate
// needs 4-bit activations.
Precision weight_precision(const abi::OpDesc& op) noexcept {
  const auto wt = static_cast<abi::DType>(op.operands[1].dtype);
  return (wt == abi::DType::kI4 || wt == abi::DType::kI8) ? Precision::kInt8
         : wt == abi::DType::kF32                          ? Precision::kFp32
                                                           : Precision::kFp16;
}
}  // namespace

WorkItem describe_op(const fw::OpRequest& r, const OpCostRules& rules, bool label) {
  const abi::OpDesc& op = *r.op;
  const std::uint64_t n = op_rows(r), d1 = op.dims[1], d2 = op.dims[2], d3 = op.dims[3];
  // The operands' sizes at this run's rows; the program was validated, so none overflows.
  const abi::OperandBytes sizes = abi::operand_bytes(op, n);
  const auto& b = sizes.bytes;
  WorkItem w;
  w.kind = WorkKind::kCompute;
  if (label) w.label = fmt::format("{} #{}", abi::op_name(op.opcode), r.index);
  w.layer = abi::op_layer(op);
  w.weight_location = r.weights_in_sram ? MemLocation::kSram : MemLocation::kDdr;
  w.act_location = MemLocation::kDdr;  // decided below, once the op's bytes are known
  switch (static_cast<abi::OpCode>(op.opcode)) {
    case abi::OpCode::kNop: break;
    case abi::OpCode::kGemmI8:
      w.macs = n * d1 * d2;
      w.weight_bytes = b[1] + b[2];  // weights and bias
      w.act_bytes_in = b[0];
      w.act_bytes_out = b[3];
      w.layer_weight_bytes = w.weight_bytes;
      break;
    case abi::OpCode::kLinear: {
      w.precision = weight_precision(op);
      w.macs = n * d1 * d2;
      w.weight_bytes = b[1] + b[2];  // weights and their scales
      w.act_bytes_in = b[0];
      w.act_bytes_out = b[3];
      w.layer_weight_bytes = w.weight_bytes;
      break;
    }
    case abi::OpCode::kEmbed:
      w.vector_ops = n * d1 * (op.params[0] != 0 ? 2 : 1);  // a scaled embedding multiplies once more
      // The ids, and the n table rows they pick (not the whole table).
      w.act_bytes_in = abi::dtype_bytes(op.operands[1].dtype, n * d1) + b[0];
      w.act_bytes_out = b[3];
      break;
    case abi::OpCode::kShortConv:
      w.vector_ops = n * d1 * (2 * d2 + 2);
      w.weight_bytes = b[1];
      w.act_bytes_in = b[0] + b[2];  // the rows and the state, which is read and rewritten
      w.act_bytes_out = b[3] + b[2];
      break;
    case abi::OpCode::kRope:
      w.vector_ops = n * d1 * d2 * 3;
      w.act_bytes_in = w.act_bytes_out = b[0];
      w.weight_bytes = b[1];  // the frequency table, if any
      break;
    case abi::OpCode::kKvAppend:
      // The new K/V rows come from the activations; the cache they go to lives in DDR (state).
      w.act_bytes_in = b[0] + b[1];
      w.weight_bytes = abi::kv_cache_bytes(op.operands[2].dtype, n, d1, d2);  // the n positions written
      w.weight_location = MemLocation::kDdr;
      break;
    case abi::OpCode::kAttention: {
      // Row r attends over pos + r + 1 cached positions, at most the window W of a local layer
      // (dims[5]): QK^T and PV, each heads * hd MACs. The cached K and V rows up to the last
      // position stream from DDR (the state segment), like weights; a local layer reads only the
      // window of its first row plus the chunk (at most its ring of dims[4] positions).
      // With static shapes (rules.static_kv_window) the window is always full, whatever the
      // position: every row attends over W positions (the cache's capacity dims[4] for a global
      // layer) and the run reads the whole window of its first row plus the chunk.
      const std::uint64_t capacity = op.dims[4], window = op.dims[5];
      std::uint64_t positions = 0, read = 0;
      if (rules.static_kv_window) {
        const std::uint64_t span = std::min(window == 0 ? capacity : window, capacity);
        positions = n * span;
        read = std::min(span + n - (n ? 1 : 0), capacity);
      } else {
        const std::uint64_t pos = static_cast<std::uint64_t>(std::max<std::int64_t>(0, op_position(r)));
        positions = n * (pos + 1) + n * (n - (n ? 1 : 0)) / 2;
        if (window != 0) {
          positions = 0;
          for (std::uint64_t row = 0; row < n; ++row) positions += std::min(pos + row + 1, window);
        }
        read = window == 0 ? pos + n : std::min({pos + n, window + n - 1, capacity});
      }
      w.precision = Precision::kFp16;
      w.macs = 2 * positions * d1 * d3;
      w.vector_ops = positions * d1 * 4;
      w.act_bytes_in = b[0];
      w.act_bytes_out = b[3];
      w.weight_bytes = abi::kv_cache_bytes(op.operands[2].dtype, read, d2, d3);
      w.weight_location = MemLocation::kDdr;
      break;
    }
    case abi::OpCode::kMoeRoute:
      // Scores (exp or sigmoid), the bias, k passes of selection over the E experts, normalization.
      w.vector_ops = n * d1 * (4 + d2);
      w.weight_bytes = b[1];
      w.act_bytes_in = b[0];
      w.act_bytes_out = b[3];
      break;
    case abi::OpCode::kMoeLinear: {
      // Only the routed experts' weights stream: a run of n rows picks k experts per row, so it
      // reads at most min(E, n * k) distinct experts (their weights and scales).
      const std::uint64_t experts = op.dims[4], k = op.dims[5];
      const std::uint64_t read = std::min(experts, n * k);
      w.precision = weight_precision(op);  // as kLinear's
      w.macs = n * k * d1 * d2;
      w.weight_bytes = abi::moe_expert_bytes(op, read);
      w.layer_weight_bytes = w.weight_bytes;
      w.act_bytes_in = b[0] + n * k * abi::kMoeRouteEntryBytes;  // the inputs and the route table
      w.act_bytes_out = b[3];
      if ((op.flags & abi::kMoeCombine) != 0) w.vector_ops = n * k * d2 * 2;  // the weighted sum
      break;
    }
    case abi::OpCode::kRmsNorm: case abi::OpCode::kQuantize: case abi::OpCode::kSwiGlu: case abi::OpCode::kAdd:
    case abi::OpCode::kArgmax: case abi::OpCode::kGeluGlu:
      // GELU's tanh costs as much as SwiGLU's exp (both one transcendental and a few multiplies).
      w.vector_ops = n * d1 * (op.opcode == static_cast<std::uint16_t>(abi::OpCode::kSwiGlu) ||
                                       op.opcode == static_cast<std::uint16_t>(abi::OpCode::kGeluGlu) ? 4 : 2);
      // A second operand streams row by row beside the first (a norm weight or a broadcast row is
      // re-read per row). argmax is charged as writing rows as wide as it reads (its calibrated
      // cost; its real output is one index per row).
      w.act_bytes_in = b[0] * (op.operands[1].segment != abi::kNoSegment ? 2 : 1);
      w.act_bytes_out = op.opcode == static_cast<std::uint16_t>(abi::OpCode::kArgmax) ? b[0] : b[3];
      break;
    case abi::OpCode::kCopyRow:
      w.act_bytes_in = w.act_bytes_out = d1;
      break;
  }
  // Activation tiles stay on chip when the op's working set fits the SRAM the context leaves
  // free (a dataflow array keeps its intermediates there); otherwise they spill to DDR.
  if (w.act_bytes_in + w.act_bytes_out <= r.activation_sram_bytes) w.act_location = MemLocation::kSram;
  return w;
}

}  // namespace npu::sim
