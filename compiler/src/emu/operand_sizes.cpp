// The op's dtype and shape rules checked, then how many bytes each operand spans (the ABI's rules,
// abi::operand_bytes), so the executor never reads outside a checked range.
#include <fmt/format.h>

#include "emu_internal.hpp"

namespace npu::compiler::emu::detail {
namespace {

using abi::DType;
using abi::OpCode;

DType dt(const abi::OpDesc& op, int i) { return static_cast<DType>(op.operands[i].dtype); }
bool present(const abi::OpDesc& op, int i) { return op.operands[i].segment != abi::kNoSegment; }

Expected<void> need(bool ok, const abi::OpDesc& op, std::string_view what) {
  if (ok) return {};
  return fail(ErrorCode::kBadFormat, fmt::format("op {}: {}", op.opcode, what));
}

Expected<void> need_dtype(const abi::OpDesc& op, int i, std::initializer_list<DType> allowed) {
  if (!present(op, i)) return need(false, op, fmt::format("operand {} is missing", i));
  for (DType t : allowed) {
    if (dt(op, i) == t) return {};
  }
  return need(false, op, fmt::format("operand {} has unsupported dtype {}", i, op.operands[i].dtype));
}

// kLinear's operands (and kMoeLinear's, per expert): float weights take f32 inputs; integer
// weights int8 inputs and f32 scales, whole blocks, an even K for int4.
Expected<void> need_linear(const abi::OpDesc& op) {
  const std::uint64_t d1 = op.dims[1], d2 = op.dims[2], d3 = op.dims[3];
  NPU_TRY(need_dtype(op, 1, {DType::kF32, DType::kF16, DType::kBF16, DType::kI8, DType::kI4}));
  NPU_TRY(need_dtype(op, 3, {DType::kF32}));
  const bool integer = dt(op, 1) == DType::kI8 || dt(op, 1) == DType::kI4;
  NPU_TRY(need_dtype(op, 0, {integer ? DType::kI8 : DType::kF32}));
  NPU_TRY(need(d1 > 0 && d2 > 0, op, "K and N must be > 0"));
  if (integer) {
    NPU_TRY(need_dtype(op, 2, {DType::kF32}));
    NPU_TRY(need(d3 == 0 || d1 % d3 == 0, op, "K is not a multiple of the group size"));
    NPU_TRY(need(dt(op, 1) != DType::kI4 || d1 % 2 == 0, op, "int4 weights need an even K"));
  }
  return {};
}

}  // namespace

Expected<abi::OperandBytes> operand_sizes(const abi::OpDesc& op) {
  const std::uint64_t d1 = op.dims[1], d2 = op.dims[2];
  constexpr auto F = DType::kF32;
  switch (static_cast<OpCode>(op.opcode)) {
    case OpCode::kNop: break;
    case OpCode::kGemmI8:
      NPU_TRY(need_dtype(op, 0, {DType::kI8}));
      NPU_TRY(need_dtype(op, 1, {DType::kI8}));
      NPU_TRY(need_dtype(op, 3, {DType::kI8}));
      NPU_TRY(need(op.params[1] >= 0 && op.params[1] <= 31 && op.params[0] > 0, op, "bad requantization"));
      break;
    case OpCode::kEmbed:
      NPU_TRY(need_dtype(op, 0, {DType::kI32}));
      NPU_TRY(need_dtype(op, 1, {F, DType::kF16, DType::kBF16, DType::kI8}));
      NPU_TRY(need_dtype(op, 3, {F}));
      if (dt(op, 1) == DType::kI8) NPU_TRY(need_dtype(op, 2, {F}));
      break;
    case OpCode::kRmsNorm:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      NPU_TRY(need(d1 > 0, op, "width is 0"));
      break;
    case OpCode::kQuantize:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 3, {DType::kI8}));
      break;
    case OpCode::kLinear:
      NPU_TRY(need_linear(op));
      break;
    case OpCode::kShortConv:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F}));
      NPU_TRY(need_dtype(op, 2, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      NPU_TRY(need(d2 >= 2 && d2 <= 16, op, "conv length L must be 2..16"));
      break;
    case OpCode::kRope:
      NPU_TRY(need_dtype(op, 0, {F}));
      NPU_TRY(need(d2 % 2 == 0 && d2 > 0, op, "head_dim must be even"));
      if (present(op, 1)) NPU_TRY(need_dtype(op, 1, {F}));  // the frequency table
      break;
    case OpCode::kKvAppend:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F}));
      NPU_TRY(need_dtype(op, 2, {F, DType::kF16, DType::kI8}));
      break;
    case OpCode::kAttention:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 2, {F, DType::kF16, DType::kI8}));
      NPU_TRY(need_dtype(op, 3, {F}));
      NPU_TRY(need(d2 > 0 && d1 % d2 == 0, op, "heads must be a multiple of kv_heads"));
      break;
    case OpCode::kSwiGlu:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      break;
    case OpCode::kAdd:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      break;
    case OpCode::kCopyRow:
      NPU_TRY(need(present(op, 0) && present(op, 3), op, "copy-row needs operands 0 and 3"));
      break;
    case OpCode::kArgmax:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 3, {DType::kI32}));
      NPU_TRY(need(d1 > 0, op, "width is 0"));
      break;
    case OpCode::kMoeRoute:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 3, {DType::kI32}));
      if (present(op, 1)) NPU_TRY(need_dtype(op, 1, {F}));
      NPU_TRY(need(d2 > 0 && d2 <= d1, op, "k must be 1..experts"));
      break;
    case OpCode::kMoeLinear:
      NPU_TRY(need_linear(op));
      NPU_TRY(need(op.dims[4] > 0 && op.dims[5] > 0 && op.dims[5] <= op.dims[4], op,
                   "experts and k must be > 0, k at most the experts"));
      break;
    case OpCode::kGeluGlu:
      return fail(ErrorCode::kUnsupported, fmt::format("op {} ({}) is not emulated (Gemma 3 runs timing-only)",
                                                       op.opcode, abi::op_name(op.opcode)));
    default:
      return fail(ErrorCode::kBadFormat, fmt::format("unknown opcode {}", op.opcode));
  }
  // ABI 1.4 variants of older ops are not emulated either (a scaled embedding, a ring KV cache,
  // sliding-window attention).
  const bool variant = (op.opcode == static_cast<std::uint16_t>(OpCode::kEmbed) && op.params[0] != 0) ||
                       (op.opcode == static_cast<std::uint16_t>(OpCode::kKvAppend) && op.dims[4] != 0) ||
                       (op.opcode == static_cast<std::uint16_t>(OpCode::kAttention) && op.dims[5] != 0);
  if (variant) {
    return fail(ErrorCode::kUnsupported, fmt::format("op {} ({}) with an ABI 1.4 window or scale is not emulated",
                                                     op.opcode, abi::op_name(op.opcode)));
  }
  const abi::OperandBytes sizes = abi::operand_bytes(op);
  for (int i = 0; i < 4; ++i) {
    NPU_TRY(need(sizes.bytes[i] != abi::kSizeOverflow, op, fmt::format("operand {} is too large", i)));
  }
  return sizes;
}

}  // namespace npu::compiler::emu::detail
