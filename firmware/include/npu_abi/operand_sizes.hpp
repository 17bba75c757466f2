// How many bytes each operand of an op spans in device memory: the layouts program.hpp documents
// per opcode, written once for the device's validation, the compiler's emulation and the
// simulator's cost model. Which dtypes and shapes an op accepts is the validator's business; these
// rules only turn a descriptor into sizes, whatever it holds, and never overflow silently.
#pragma once

#include <cstdint>
#include <limits>

#include "npu_abi/program.hpp"

namespace npu::abi {

// A size that does not fit 64 bits (a malformed descriptor): larger than any segment.
inline constexpr std::uint64_t kSizeOverflow = std::numeric_limits<std::uint64_t>::max();

namespace detail {
// a * b, or kSizeOverflow when it does not fit (kSizeOverflow stays kSizeOverflow).
[[nodiscard]] constexpr std::uint64_t size_mul(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t out = 0;
  if (a == kSizeOverflow || b == kSizeOverflow || __builtin_mul_overflow(a, b, &out)) return kSizeOverflow;
  return out;
}
}  // namespace detail

// Bytes of `count` elements of `dtype` (dtype_bytes), or kSizeOverflow.
[[nodiscard]] constexpr std::uint64_t checked_dtype_bytes(std::uint8_t dtype, std::uint64_t count) noexcept {
  const std::uint64_t bits = detail::size_mul(count, dtype_bits(dtype));
  return bits == kSizeOverflow ? kSizeOverflow : bits / 8 + (bits % 8 != 0);
}

// Bytes of `positions` positions of a KV cache of `dtype` (kKvAppend / kAttention operand 2: K
// [positions][kv_heads][head_dim], then V of the same shape; an I8 cache adds one F32 scale per
// position, KV head and K or V, npu_abi/kv_cache.hpp), or kSizeOverflow.
[[nodiscard]] constexpr std::uint64_t kv_cache_bytes(std::uint8_t dtype, std::uint64_t positions,
                                                     std::uint64_t kv_heads, std::uint64_t head_dim) noexcept {
  using detail::size_mul;
  const std::uint64_t vectors = size_mul(size_mul(2, positions), kv_heads);
  const std::uint64_t data = checked_dtype_bytes(dtype, size_mul(vectors, head_dim));
  if (dtype != static_cast<std::uint8_t>(DType::kI8)) return data;
  const std::uint64_t scales = size_mul(vectors, 4);
  return data == kSizeOverflow || scales == kSizeOverflow || data > kSizeOverflow - 1 - scales ? kSizeOverflow
                                                                                                : data + scales;
}

// Bytes of each operand (index 0..3), 0 for one the op does not use.
struct OperandBytes {
  std::uint64_t bytes[4] = {0, 0, 0, 0};
};

// What each operand of `op` spans when the op processes `rows` rows (op_rows; at dims[0] the
// op's full extent, which is what a program is validated against), from its dims, flags and the
// dtypes its operands declare. Optional operands count only when present (gemm bias, rope
// frequency table); the scales of integer weights count whatever their presence (the validator
// requires them). Sizes past 64 bits are kSizeOverflow.
[[nodiscard]] constexpr OperandBytes operand_bytes(const OpDesc& op, std::uint64_t rows) noexcept {
  using detail::size_mul;
  constexpr std::uint64_t kF32 = 4, kI32 = 4;
  const std::uint64_t d1 = op.dims[1], d2 = op.dims[2], d3 = op.dims[3], d4 = op.dims[4];
  auto present = [&](int i) { return op.operands[i].segment != kNoSegment; };
  auto elements = [&](int i, std::uint64_t count) { return checked_dtype_bytes(op.operands[i].dtype, count); };
  auto mul3 = [](std::uint64_t a, std::uint64_t b, std::uint64_t c) { return size_mul(size_mul(a, b), c); };
  OperandBytes s;
  std::uint64_t* b = s.bytes;
  switch (static_cast<OpCode>(op.opcode)) {
    case OpCode::kNop: break;
    case OpCode::kGemmI8:  // A i8 [M][K], W i8 [N][K], bias i32 [N], out i8 [M][N]
      b[0] = size_mul(rows, d1);
      b[1] = size_mul(d2, d1);
      if (present(2)) b[2] = size_mul(d2, kI32);
      b[3] = size_mul(rows, d2);
      break;
    case OpCode::kEmbed: {  // ids i32 [rows], table [V][D], I8 table: scales f32 [V], out f32 [rows][D]
      b[0] = size_mul(rows, kI32);
      b[1] = elements(1, size_mul(d2, d1));
      if (op.operands[1].dtype == static_cast<std::uint8_t>(DType::kI8)) b[2] = size_mul(d2, kF32);
      b[3] = mul3(rows, d1, kF32);
      break;
    }
    case OpCode::kRmsNorm:  // in f32 [rows][width], weight f32 [width], out f32 [rows][width]
      b[0] = b[3] = mul3(rows, d1, kF32);
      b[1] = size_mul(d1, kF32);
      break;
    case OpCode::kQuantize:  // in f32 [rows][width], out i8 [rows][width]
      b[0] = mul3(rows, d1, kF32);
      b[3] = size_mul(rows, d1);
      break;
    case OpCode::kLinear: {  // in [M][K], W [N][K], integer weights: scales f32 [N] or [N][K/G]
      const auto w = static_cast<DType>(op.operands[1].dtype);
      b[0] = elements(0, size_mul(rows, d1));
      b[1] = elements(1, size_mul(d2, d1));
      if (w == DType::kI8 || w == DType::kI4) b[2] = mul3(d2, d3 == 0 ? 1 : d1 / d3, kF32);
      b[3] = mul3(rows, d2, kF32);
      break;
    }
    case OpCode::kShortConv:  // in f32 [rows][3D], w f32 [D][L], state f32 [L-1][D], out f32 [rows][D]
      b[0] = size_mul(mul3(rows, 3, d1), kF32);
      b[1] = mul3(d1, d2, kF32);
      b[2] = d2 == 0 ? 0 : mul3(d2 - 1, d1, kF32);
      b[3] = mul3(rows, d1, kF32);
      break;
    case OpCode::kRope:  // data f32 [rows][heads][hd], frequency table f32 [hd/2]
      b[0] = size_mul(mul3(rows, d1, d2), kF32);
      if (present(1)) b[1] = size_mul(d2 / 2, kF32);
      break;
    case OpCode::kKvAppend:  // k, v f32 [rows][kvh][hd], cache of dims[3] positions
      b[0] = b[1] = size_mul(mul3(rows, d1, d2), kF32);
      b[2] = kv_cache_bytes(op.operands[2].dtype, d3, d1, d2);
      break;
    case OpCode::kAttention:  // q f32 [rows][heads][hd], cache of dims[4] positions, out f32 [rows][heads*hd]
      b[0] = b[3] = size_mul(mul3(rows, d1, d3), kF32);
      b[2] = kv_cache_bytes(op.operands[2].dtype, d4, d2, d3);
      break;
    case OpCode::kSwiGlu:  // gate, up, out f32 [rows][width]
    case OpCode::kGeluGlu:
      b[0] = b[1] = b[3] = mul3(rows, d1, kF32);
      break;
    case OpCode::kMoeRoute:  // logits f32 [rows][E], bias f32 [E], route table [rows][k] pairs
      b[0] = mul3(rows, d1, kF32);
      if (present(1)) b[1] = size_mul(d1, kF32);
      b[3] = mul3(rows, d2, kMoeRouteEntryBytes);
      break;
    case OpCode::kMoeLinear: {  // in [rows][slots][K], W [E][N][K], integer weights: scales f32 [E][N] or
                                // [E][N][K/G]; out f32
      const std::uint64_t experts = d4;
      const auto w = static_cast<DType>(op.operands[1].dtype);
      b[0] = elements(0, mul3(rows, moe_in_slots(op), d1));
      b[1] = elements(1, mul3(experts, d2, d1));
      if (w == DType::kI8 || w == DType::kI4) b[2] = size_mul(mul3(experts, d2, d3 == 0 ? 1 : d1 / d3), kF32);
      b[3] = size_mul(mul3(rows, moe_out_slots(op), d2), kF32);
      break;
    }
    case OpCode::kAdd:  // a, out f32 [rows][width], b f32 [rows][width] or one row with kBroadcastB
      b[0] = b[3] = mul3(rows, d1, kF32);
      b[1] = (op.flags & kBroadcastB) != 0 ? size_mul(d1, kF32) : b[0];
      break;
    case OpCode::kCopyRow:  // source: dims[0] rows of dims[1] bytes (all of them: the row index is
                            // a parameter), destination: one row
      b[0] = size_mul(op.dims[0], d1);
      b[3] = d1;
      break;
    case OpCode::kArgmax:  // in f32 [rows][width], out i32 [rows]
      b[0] = mul3(rows, d1, kF32);
      b[3] = size_mul(rows, kI32);
      break;
  }
  return s;
}

// Bytes of the weights and scales of `experts` experts of a kMoeLinear (one expert's share of
// operands 1 and 2, times `experts`), or kSizeOverflow.
[[nodiscard]] constexpr std::uint64_t moe_expert_bytes(const OpDesc& op, std::uint64_t experts) noexcept {
  if (op.dims[4] == 0) return 0;
  const OperandBytes all = operand_bytes(op, 0);
  if (all.bytes[1] == kSizeOverflow || all.bytes[2] == kSizeOverflow) return kSizeOverflow;
  return detail::size_mul((all.bytes[1] + all.bytes[2]) / op.dims[4], experts);
}

// The full extent of each operand (rows = dims[0]).
[[nodiscard]] constexpr OperandBytes operand_bytes(const OpDesc& op) noexcept { return operand_bytes(op, op.dims[0]); }

}  // namespace npu::abi
