// How many bytes each operand of an op spans, from its dims and dtypes, with the op's shape rules
// checked (so the executor never reads outside a checked range).
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

}  // namespace

Expected<OperandSizes> operand_sizes(const abi::OpDesc& op) {
  OperandSizes s;
  const std::uint64_t d0 = op.dims[0], d1 = op.dims[1], d2 = op.dims[2], d3 = op.dims[3], d4 = op.dims[4];
  constexpr auto F = DType::kF32;
  switch (static_cast<OpCode>(op.opcode)) {
    case OpCode::kNop: break;
    case OpCode::kGemmI8:
      NPU_TRY(need_dtype(op, 0, {DType::kI8}));
      NPU_TRY(need_dtype(op, 1, {DType::kI8}));
      NPU_TRY(need_dtype(op, 3, {DType::kI8}));
      NPU_TRY(need(op.params[1] >= 0 && op.params[1] <= 31 && op.params[0] > 0, op, "bad requantization"));
      s.bytes[0] = d0 * d1; s.bytes[1] = d2 * d1; s.bytes[3] = d0 * d2;
      if (present(op, 2)) s.bytes[2] = d2 * 4;
      break;
    case OpCode::kEmbed:
      NPU_TRY(need_dtype(op, 0, {DType::kI32}));
      NPU_TRY(need_dtype(op, 1, {F, DType::kF16, DType::kBF16, DType::kI8}));
      NPU_TRY(need_dtype(op, 3, {F}));
      s.bytes[0] = d0 * 4; s.bytes[1] = abi::dtype_bytes(dt(op, 1), d2 * d1); s.bytes[3] = d0 * d1 * 4;
      if (dt(op, 1) == DType::kI8) {
        NPU_TRY(need_dtype(op, 2, {F}));
        s.bytes[2] = d2 * 4;
      }
      break;
    case OpCode::kRmsNorm:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      NPU_TRY(need(d1 > 0, op, "width is 0"));
      s.bytes[0] = s.bytes[3] = d0 * d1 * 4; s.bytes[1] = d1 * 4;
      break;
    case OpCode::kQuantize:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 3, {DType::kI8}));
      s.bytes[0] = d0 * d1 * 4; s.bytes[3] = d0 * d1;
      break;
    case OpCode::kLinear: {
      NPU_TRY(need_dtype(op, 1, {F, DType::kF16, DType::kBF16, DType::kI8, DType::kI4}));
      NPU_TRY(need_dtype(op, 3, {F}));
      const bool integer = dt(op, 1) == DType::kI8 || dt(op, 1) == DType::kI4;
      NPU_TRY(need_dtype(op, 0, {integer ? DType::kI8 : F}));
      NPU_TRY(need(d1 > 0 && d2 > 0, op, "K and N must be > 0"));
      s.bytes[0] = abi::dtype_bytes(dt(op, 0), d0 * d1);
      s.bytes[3] = d0 * d2 * 4;
      if (integer) {
        NPU_TRY(need_dtype(op, 2, {F}));
        NPU_TRY(need(d3 == 0 || d1 % d3 == 0, op, "K is not a multiple of the group size"));
        NPU_TRY(need(dt(op, 1) != DType::kI4 || d1 % 2 == 0, op, "int4 weights need an even K"));
        s.bytes[1] = dt(op, 1) == DType::kI4 ? d2 * (d1 / 2) : d2 * d1;
        s.bytes[2] = (d3 == 0 ? d2 : d2 * (d1 / d3)) * 4;
      } else {
        s.bytes[1] = abi::dtype_bytes(dt(op, 1), d2 * d1);
      }
      break;
    }
    case OpCode::kShortConv:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F}));
      NPU_TRY(need_dtype(op, 2, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      NPU_TRY(need(d2 >= 2 && d2 <= 16, op, "conv length L must be 2..16"));
      s.bytes[0] = d0 * 3 * d1 * 4; s.bytes[1] = d1 * d2 * 4; s.bytes[2] = (d2 - 1) * d1 * 4;
      s.bytes[3] = d0 * d1 * 4;
      break;
    case OpCode::kRope:
      NPU_TRY(need_dtype(op, 0, {F}));
      NPU_TRY(need(d2 % 2 == 0 && d2 > 0, op, "head_dim must be even"));
      s.bytes[0] = d0 * d1 * d2 * 4;
      if (present(op, 1)) {  // the frequency table
        NPU_TRY(need_dtype(op, 1, {F}));
        s.bytes[1] = d2 / 2 * 4;
      }
      break;
    case OpCode::kKvAppend:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F}));
      NPU_TRY(need_dtype(op, 2, {F, DType::kF16}));
      s.bytes[0] = s.bytes[1] = d0 * d1 * d2 * 4;
      s.bytes[2] = abi::dtype_bytes(dt(op, 2), 2 * d3 * d1 * d2);
      break;
    case OpCode::kAttention:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 2, {F, DType::kF16}));
      NPU_TRY(need_dtype(op, 3, {F}));
      NPU_TRY(need(d2 > 0 && d1 % d2 == 0, op, "heads must be a multiple of kv_heads"));
      s.bytes[0] = s.bytes[3] = d0 * d1 * d3 * 4;
      s.bytes[2] = abi::dtype_bytes(dt(op, 2), 2 * d4 * d2 * d3);
      break;
    case OpCode::kSwiGlu:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      s.bytes[0] = s.bytes[1] = s.bytes[3] = d0 * d1 * 4;
      break;
    case OpCode::kAdd:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 1, {F})); NPU_TRY(need_dtype(op, 3, {F}));
      s.bytes[0] = s.bytes[3] = d0 * d1 * 4;
      s.bytes[1] = (op.flags & abi::kBroadcastB) != 0 ? d1 * 4 : d0 * d1 * 4;
      break;
    case OpCode::kCopyRow:
      NPU_TRY(need(present(op, 0) && present(op, 3), op, "copy-row needs operands 0 and 3"));
      s.bytes[0] = d0 * d1; s.bytes[3] = d1;
      break;
    case OpCode::kArgmax:
      NPU_TRY(need_dtype(op, 0, {F})); NPU_TRY(need_dtype(op, 3, {DType::kI32}));
      NPU_TRY(need(d1 > 0, op, "width is 0"));
      s.bytes[0] = d0 * d1 * 4; s.bytes[3] = d0 * 4;
      break;
    default:
      return fail(ErrorCode::kBadFormat, fmt::format("unknown opcode {}", op.opcode));
  }
  return s;
}

}  // namespace npu::compiler::emu::detail
