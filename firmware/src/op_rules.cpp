// Validation of each op of a context program against program.hpp: dims, flags, operand dtypes,
// every operand range inside its segment (sizes from abi::operand_bytes, overflow-safe), and
// parameter ranges. Row counts are checked at dims[0] (the maximum; kRowsFromParam only ever
// lowers them).
#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <initializer_list>

#include "npu/firmware/program.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/operand_sizes.hpp"

namespace npu::fw {
namespace {

using abi::DType;

Expected<void> bad(std::string message) { return fail(ErrorCode::kBadFormat, std::move(message)); }

// Checks of one op; each returns an error naming the operand or field.
class OpCheck {
 public:
  OpCheck(const abi::OpDesc& op, const SegmentTable& segs) : op_(op), segs_(segs), sizes_(abi::operand_bytes(op)) {}

  [[nodiscard]] bool present(std::size_t i) const { return op_.operands[i].segment != abi::kNoSegment; }
  [[nodiscard]] DType dtype(std::size_t i) const { return static_cast<DType>(op_.operands[i].dtype); }

  // Operand i is present, of one of `dtypes`, and its extent (abi::operand_bytes) lies inside its segment.
  Expected<void> operand(std::size_t i, std::initializer_list<DType> dtypes) {
    const abi::Operand& o = op_.operands[i];
    if (!present(i)) return bad(fmt::format("operand {} is required but absent", i));
    bool ok = false;
    for (DType t : dtypes) ok = ok || o.dtype == static_cast<std::uint8_t>(t);
    if (!ok) return bad(fmt::format("operand {} has dtype {}, not one this op accepts", i, o.dtype));
    return range(i);
  }
  // Operand i is present, of any dtype, and inside its segment.
  Expected<void> bytes(std::size_t i) {
    if (!present(i)) return bad(fmt::format("operand {} is required but absent", i));
    return range(i);
  }
  Expected<void> absent(std::size_t i) {
    if (present(i)) return bad(fmt::format("operand {} must be absent for this op", i));
    return {};
  }
  // dims[0..n) > 0 and dims[n..6) == 0.
  Expected<void> dims(std::size_t n) {
    for (std::size_t i = 0; i < 6; ++i) {
      if (i < n && op_.dims[i] == 0) return bad(fmt::format("dims[{}] must be > 0", i));
      if (i >= n && op_.dims[i] != 0) return bad(fmt::format("dims[{}] must be 0", i));
    }
    return {};
  }
  [[nodiscard]] std::int32_t param(std::size_t i) const { return op_.params[i]; }
  // [offset, offset + size) lies inside segment `seg` (an operand-like region named by params).
  Expected<void> region(abi::Segment seg, std::uint64_t offset, std::uint64_t size, const char* what) {
    const auto s = static_cast<std::uint8_t>(seg);
    if (s >= segs_.count) return bad(fmt::format("{} names segment {} but the context has {}", what, s, segs_.count));
    if (size == abi::kSizeOverflow || offset > segs_.size[s] || size > segs_.size[s] - offset)
      return bad(fmt::format("{} [{:#x}, +{}) lies outside segment {} of {} bytes", what, offset, size, s, segs_.size[s]));
    return {};
  }
  Expected<void> flags(std::uint16_t allowed) {
    if (op_.flags & ~allowed) return bad(fmt::format("flags {:#x} are not valid for this op", op_.flags));
    return {};
  }
  // params[first..8) == 0.
  Expected<void> params_zero_from(std::size_t first) {
    for (std::size_t i = first; i < 8; ++i)
      if (op_.params[i] != 0) return bad(fmt::format("params[{}] must be 0", i));
    return {};
  }
  // params[i] is the bit pattern of a finite float (> 0 when positive is set).
  Expected<void> float_param(std::size_t i, bool positive) {
    const float f = std::bit_cast<float>(op_.params[i]);
    if (!std::isfinite(f) || (positive && !(f > 0.0f)))
      return bad(fmt::format("params[{}] must be a finite{} float", i, positive ? " positive" : ""));
    return {};
  }

 private:
  Expected<void> range(std::size_t i) {
    const abi::Operand& o = op_.operands[i];
    if (o.reserved0 != 0 || o.reserved1 != 0) return bad(fmt::format("operand {} has reserved bits set", i));
    if (o.segment >= segs_.count)
      return bad(fmt::format("operand {} names segment {} but the context has {}", i, o.segment, segs_.count));
    const std::uint64_t size = sizes_.bytes[i], seg = segs_.size[o.segment];
    if (size == abi::kSizeOverflow) return bad(fmt::format("operand {} is too large", i));
    if (o.offset > seg || size > seg - o.offset)
      return bad(fmt::format("operand {} [{:#x}, +{}) lies outside segment {} of {} bytes", i, o.offset, size,
                             o.segment, seg));
    return {};
  }

  const abi::OpDesc& op_;
  const SegmentTable& segs_;
  const abi::OperandBytes sizes_;
};

constexpr std::uint16_t kRows = abi::kRowsFromParam;

Expected<void> gemm_i8(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(0));
  NPU_TRY(c.dims(3));
  NPU_TRY(c.operand(0, {DType::kI8}));
  NPU_TRY(c.operand(1, {DType::kI8}));
  if (c.present(2)) NPU_TRY(c.operand(2, {DType::kI32}));
  NPU_TRY(c.operand(3, {DType::kI8}));
  if (op.params[0] <= 0) return bad("gemm_i8 multiplier (params[0]) must be > 0");
  if (op.params[1] < 0 || op.params[1] > 31) return bad("gemm_i8 shift (params[1]) must be 0..31");
  if (op.params[2] < -128 || op.params[2] > 127) return bad("gemm_i8 zero point (params[2]) must be -128..127");
  if (op.params[3] != 0 && op.params[3] != 1) return bad("gemm_i8 activation (params[3]) must be 0 or 1");
  return c.params_zero_from(4);
}

Expected<void> embed(OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  NPU_TRY(c.dims(3));
  NPU_TRY(c.operand(0, {DType::kI32}));
  NPU_TRY(c.operand(1, {DType::kF32, DType::kF16, DType::kBF16, DType::kI8}));
  if (c.dtype(1) == DType::kI8) NPU_TRY(c.operand(2, {DType::kF32}));
  else NPU_TRY(c.absent(2));
  NPU_TRY(c.operand(3, {DType::kF32}));
  NPU_TRY(c.float_param(0, false));  // output scale (0: none)
  if (std::bit_cast<float>(c.param(0)) < 0.0f) return bad("embed output scale (params[0]) must not be negative");
  return c.params_zero_from(1);
}

// Ops over [rows][width] F32 with in at 0 and out at 3 (rmsnorm, quantize, swiglu, add).
Expected<void> rowwise(OpCheck& c, std::uint16_t flags) {
  NPU_TRY(c.flags(flags));
  NPU_TRY(c.dims(2));
  NPU_TRY(c.operand(0, {DType::kF32}));
  NPU_TRY(c.absent(2));
  return {};
}

// kRmsNorm: rowwise, plus the optional dims[2] = rows per token (per-head norms), which must
// divide dims[0].
Expected<void> rms_norm_shape(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  if (op.dims[0] == 0 || op.dims[1] == 0) return bad("dims[0] (rows) and dims[1] (width) must be > 0");
  if (op.dims[3] || op.dims[4] || op.dims[5]) return bad("dims[3..5] must be 0");
  if (op.dims[2] != 0 && op.dims[0] % op.dims[2] != 0) {
    return bad(fmt::format("dims[2] ({} rows per token) must divide dims[0] ({} rows)", op.dims[2], op.dims[0]));
  }
  NPU_TRY(c.operand(0, {DType::kF32}));
  return c.absent(2);
}

Expected<void> linear(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  for (std::size_t i = 0; i < 3; ++i)
    if (op.dims[i] == 0) return bad(fmt::format("dims[{}] must be > 0", i));
  if (op.dims[4] || op.dims[5]) return bad("dims[4..5] must be 0");
  const std::uint64_t k = op.dims[1], g = op.dims[3];
  if (!c.present(1)) return bad("operand 1 (weights) is required");
  const DType w = c.dtype(1);
  const bool int_weights = w == DType::kI8 || w == DType::kI4;
  NPU_TRY(c.operand(1, {DType::kF32, DType::kF16, DType::kBF16, DType::kI8, DType::kI4}));
  NPU_TRY(c.operand(0, {int_weights ? DType::kI8 : DType::kF32}));
  NPU_TRY(c.operand(3, {DType::kF32}));
  if (!int_weights) {
    if (g != 0) return bad("linear with float weights takes no group size (dims[3] = 0)");
    NPU_TRY(c.absent(2));
    return c.params_zero_from(0);
  }
  if (w == DType::kI4 && k % 2 != 0) return bad("linear with I4 weights needs an even K");
  if (g != 0 && k % g != 0) return bad(fmt::format("linear K {} is not a multiple of the group size {}", k, g));
  NPU_TRY(c.operand(2, {DType::kF32}));
  NPU_TRY(c.float_param(0, true));
  return c.params_zero_from(1);
}

Expected<void> short_conv(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  NPU_TRY(c.dims(3));
  NPU_TRY(c.operand(0, {DType::kF32}));
  NPU_TRY(c.operand(1, {DType::kF32}));
  if (op.dims[2] > 1) NPU_TRY(c.operand(2, {DType::kF32}));
  NPU_TRY(c.operand(3, {DType::kF32}));
  return c.params_zero_from(0);
}

Expected<void> rope(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  NPU_TRY(c.dims(3));
  if (op.dims[2] % 2 != 0) return bad("rope head_dim (dims[2]) must be even");
  NPU_TRY(c.operand(0, {DType::kF32}));
  NPU_TRY(c.absent(2));
  NPU_TRY(c.absent(3));
  if (c.present(1)) {  // the frequency table replaces theta
    NPU_TRY(c.operand(1, {DType::kF32}));
    return c.params_zero_from(0);
  }
  NPU_TRY(c.float_param(0, true));
  return c.params_zero_from(1);
}

// The KV cache (operand 2 of kKvAppend and kAttention): F32, F16 or (ABI 1.5 "op.kv_int8") I8 with
// its scales (npu_abi/kv_cache.hpp).
Expected<void> kv_cache(OpCheck& c) { return c.operand(2, {DType::kF32, DType::kF16, DType::kI8}); }

Expected<void> kv_append(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  NPU_TRY(c.dims(op.dims[4] != 0 ? 5 : 4));  // dims[4]: the window of a ring cache (ABI 1.4)
  if (op.dims[4] != 0 && std::uint64_t{op.dims[3]} < std::uint64_t{op.dims[4]} + op.dims[0] - 1)
    return bad(fmt::format("kv_append ring capacity (dims[3] = {}) must hold the window ({}) plus the rows ({}) "
                           "minus one", op.dims[3], op.dims[4], op.dims[0]));
  NPU_TRY(c.operand(0, {DType::kF32}));
  NPU_TRY(c.operand(1, {DType::kF32}));
  NPU_TRY(kv_cache(c));
  NPU_TRY(c.absent(3));
  return c.params_zero_from(0);
}

Expected<void> attention(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  NPU_TRY(c.dims(op.dims[5] != 0 ? 6 : 5));  // dims[5]: sliding window (ABI 1.4)
  if (op.dims[1] % op.dims[2] != 0) return bad("attention heads (dims[1]) must be a multiple of kv_heads (dims[2])");
  NPU_TRY(c.operand(0, {DType::kF32}));
  NPU_TRY(c.absent(1));
  NPU_TRY(kv_cache(c));
  NPU_TRY(c.operand(3, {DType::kF32}));
  NPU_TRY(c.float_param(0, false));
  return c.params_zero_from(1);
}

Expected<void> copy_row(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  NPU_TRY(c.dims(2));
  NPU_TRY(c.bytes(0));
  NPU_TRY(c.absent(1));
  NPU_TRY(c.absent(2));
  NPU_TRY(c.bytes(3));
  if (op.params[0] < -1 || (op.params[0] >= 0 && static_cast<std::uint64_t>(op.params[0]) >= op.dims[0]))
    return bad("copy_row row index (params[0]) must be -1 (last valid row) or below dims[0]");
  return c.params_zero_from(1);
}

Expected<void> moe_route(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows));
  NPU_TRY(c.dims(3));
  if (op.dims[2] > op.dims[1]) return bad("moe_route k (dims[2]) must not exceed the experts (dims[1])");
  NPU_TRY(c.operand(0, {DType::kF32}));
  if (c.present(1)) NPU_TRY(c.operand(1, {DType::kF32}));
  NPU_TRY(c.absent(2));
  NPU_TRY(c.operand(3, {DType::kI32}));
  if (op.params[0] != 0 && op.params[0] != 1) return bad("moe_route scoring (params[0]) must be 0 (softmax) or 1 (sigmoid)");
  if (op.params[1] != 0 && op.params[1] != 1) return bad("moe_route normalize (params[1]) must be 0 or 1");
  NPU_TRY(c.float_param(2, true));
  return c.params_zero_from(3);
}

Expected<void> moe_linear(const abi::OpDesc& op, OpCheck& c) {
  NPU_TRY(c.flags(kRows | abi::kMoeSharedInput | abi::kMoeCombine));
  for (std::size_t i : {0, 1, 2, 4, 5})
    if (op.dims[i] == 0) return bad(fmt::format("dims[{}] must be > 0", i));
  if (op.dims[5] > op.dims[4]) return bad("moe_linear k (dims[5]) must not exceed the experts (dims[4])");
  const std::uint64_t k = op.dims[1], g = op.dims[3];
  if (!c.present(1)) return bad("operand 1 (the experts' weights) is required");
  const DType w = c.dtype(1);
  const bool int_weights = w == DType::kI8 || w == DType::kI4;
  NPU_TRY(c.operand(1, {DType::kF32, DType::kF16, DType::kBF16, DType::kI8, DType::kI4}));
  NPU_TRY(c.operand(0, {int_weights ? DType::kI8 : DType::kF32}));
  NPU_TRY(c.operand(3, {DType::kF32}));
  if (int_weights) {
    if (w == DType::kI4 && k % 2 != 0) return bad("moe_linear with I4 weights needs an even K");
    if (g != 0 && k % g != 0) return bad(fmt::format("moe_linear K {} is not a multiple of the group size {}", k, g));
    NPU_TRY(c.operand(2, {DType::kF32}));
    NPU_TRY(c.float_param(0, true));
  } else {
    if (g != 0) return bad("moe_linear with float weights takes no group size (dims[3] = 0)");
    NPU_TRY(c.absent(2));
    if (op.params[0] != 0) return bad("moe_linear with float weights takes no activation scale (params[0] = 0)");
  }
  if (op.params[1] < 0) return bad("moe_linear route table offset (params[1]) must not be negative");
  const std::uint64_t table = std::uint64_t{op.dims[0]} * op.dims[5] * abi::kMoeRouteEntryBytes;
  NPU_TRY(c.region(abi::Segment::kScratch, static_cast<std::uint64_t>(op.params[1]), table, "moe_linear route table"));
  return c.params_zero_from(2);
}

}  // namespace

Expected<void> validate_op(const abi::OpDesc& op, const SegmentTable& segs) {
  // op.reserved is the layer tag (abi::op_layer_tag): any value is valid.
  OpCheck c(op, segs);
  switch (static_cast<abi::OpCode>(op.opcode)) {
    case abi::OpCode::kNop:
      NPU_TRY(c.flags(0));
      return {};
    case abi::OpCode::kGemmI8: return gemm_i8(op, c);
    case abi::OpCode::kEmbed: return embed(c);
    case abi::OpCode::kRmsNorm:
      NPU_TRY(rms_norm_shape(op, c));
      NPU_TRY(c.operand(1, {DType::kF32}));
      NPU_TRY(c.operand(3, {DType::kF32}));
      NPU_TRY(c.float_param(0, false));
      return c.params_zero_from(1);
    case abi::OpCode::kQuantize:
      NPU_TRY(rowwise(c, kRows));
      NPU_TRY(c.absent(1));
      NPU_TRY(c.operand(3, {DType::kI8}));
      NPU_TRY(c.float_param(0, true));
      return c.params_zero_from(1);
    case abi::OpCode::kLinear: return linear(op, c);
    case abi::OpCode::kShortConv: return short_conv(op, c);
    case abi::OpCode::kRope: return rope(op, c);
    case abi::OpCode::kKvAppend: return kv_append(op, c);
    case abi::OpCode::kAttention: return attention(op, c);
    case abi::OpCode::kMoeRoute: return moe_route(op, c);
    case abi::OpCode::kMoeLinear: return moe_linear(op, c);
    case abi::OpCode::kSwiGlu:
    case abi::OpCode::kGeluGlu:
    case abi::OpCode::kAdd: {
      const bool add = op.opcode == static_cast<std::uint16_t>(abi::OpCode::kAdd);
      NPU_TRY(rowwise(c, add ? (kRows | abi::kBroadcastB) : kRows));
      NPU_TRY(c.operand(1, {DType::kF32}));
      NPU_TRY(c.operand(3, {DType::kF32}));
      return c.params_zero_from(0);
    }
    case abi::OpCode::kCopyRow: return copy_row(op, c);
    case abi::OpCode::kArgmax:
      NPU_TRY(rowwise(c, kRows));
      NPU_TRY(c.absent(1));
      NPU_TRY(c.operand(3, {DType::kI32}));
      return c.params_zero_from(0);
  }
  return bad(fmt::format("unknown opcode {}", op.opcode));
}

}  // namespace npu::fw
