// Context program: what the compiler emits per subnet and the firmware executes on the device.
// Layout: ProgramHeader, then num_ops OpDesc of op_size bytes each. Operands address device memory
// as (segment, offset); the segment bases come with LOAD_CONTEXT (mailbox.hpp), so programs are
// position independent. Every op defines its numerics exactly: the compiler's CPU reference must
// reproduce the device's results bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu::abi {

inline constexpr std::uint32_t kProgramMagic = 0x4752504e;  // "NPRG"
inline constexpr std::uint16_t kProgramVersion = 1;

enum class DType : std::uint8_t {
  kNone = 0,
  kI4 = 1,    // two's-complement nibbles, element 2i in the low nibble of byte i
  kI8 = 2,
  kI32 = 3,
  kF32 = 4,
  kF16 = 5,
  kBF16 = 6,
  kU8 = 7,
};

// Bits of one element of `t` (0 for kNone or an unknown value).
[[nodiscard]] constexpr std::uint32_t dtype_bits(DType t) noexcept {
  switch (t) {
    case DType::kI4: return 4;
    case DType::kI8: case DType::kU8: return 8;
    case DType::kF16: case DType::kBF16: return 16;
    case DType::kI32: case DType::kF32: return 32;
    case DType::kNone: break;
  }
  return 0;
}
[[nodiscard]] constexpr std::uint32_t dtype_bits(std::uint8_t t) noexcept { return dtype_bits(static_cast<DType>(t)); }
// Bytes that `count` elements of `t` occupy (kI4 packs two elements per byte, rounded up).
[[nodiscard]] constexpr std::uint64_t dtype_bytes(DType t, std::uint64_t count) noexcept {
  return (count * dtype_bits(t) + 7) / 8;
}
[[nodiscard]] constexpr std::uint64_t dtype_bytes(std::uint8_t t, std::uint64_t count) noexcept {
  return dtype_bytes(static_cast<DType>(t), count);
}

inline constexpr std::uint8_t kNoSegment = 0xff;  // operand absent

struct Operand {
  std::uint8_t segment;     // Segment (mailbox.hpp) or kNoSegment
  std::uint8_t dtype;       // DType
  std::uint16_t reserved0;  // 0
  std::uint32_t reserved1;  // 0
  std::uint64_t offset;     // byte offset within the segment
};
static_assert(sizeof(Operand) == 16);

enum class OpCode : std::uint16_t {
  kNop = 0,
  // GEMM, int8 x int8 -> int32 -> int8.
  //   dims:     [0] M rows of A, [1] K, [2] N (output features)
  //   operands: [0] A  i8 [M][K] row-major      [1] W i8 [N][K] row-major (one row per output)
  //             [2] bias i32 [N] (or absent)     [3] Out i8 [M][N] row-major
  //   params:   [0] multiplier (int32, > 0)  [1] shift (0..31)  [2] output zero point
  //             [3] activation: 0 none, 1 ReLU (applied after requantization, i.e. max(out, zp))
  //   numerics: acc = sum_k A[m][k] * W[n][k] + bias[n]  (exact int32)
  //             out = clamp(((int64)acc * multiplier + 2^(30+shift)) >> (31+shift) + zp, -128, 127)
  //             (arithmetic shift; i.e. round half up of acc * multiplier / 2^(31+shift))
  kGemmI8 = 1,

  // ---- LLM ops (LFM2 / Llama / Qwen2). Conventions for all of them:
  //  * "rows" = dims[0]. With OpFlags::kRowsFromParam the op processes n = min(dims[0],
  //    params_rt[kParamTokens]) rows instead (a prefill chunk that is not full).
  //  * params_rt = RunRequest::params: [kParamPosition] absolute position of row 0, [kParamTokens]
  //    number of valid rows. Float op parameters travel as IEEE-754 bit patterns in params[].
  //  * Numerics are exact so that the compiler's emulation matches bit for bit: float element-wise
  //    math in float with no fused multiply-add (-ffp-contract=off); every reduction the spec
  //    calls "double-sequential" accumulates in double in increasing index order; libm exp/sqrt/pow/
  //    cos/sin/nearbyint as named. Only F32-weight kLinear (the fp32 policy) has free summation order.
  //
  // kEmbed: out[r][:] = table row ids[r] (dequantized).
  //   dims [0] rows [1] D [2] V.  operands [0] ids I32 [rows]  [1] table F32|F16|BF16 [V][D], or I8
  //   [V][D] with [2] per-row scales F32 [V] (value = q * scale)  [3] out F32 [rows][D].
  //   params [0] output scale s (f32, ABI 1.4 "op.embed_scale"; 0 = none): out = value * s (float;
  //   Gemma multiplies its embeddings by sqrt(hidden)).  An id outside [0, V) fails the run (kExecError).
  kEmbed = 2,
  // kRmsNorm: inv = (float)(1.0 / sqrt(ss / width + (double)eps)) with ss = double-sequential sum of
  //   (double)x*x; out[i] = (x[i] * inv) * w[i] (float).   dims [0] rows [1] width.
  //   operands [0] in F32 [rows][width]  [1] weight F32 [width]  [3] out F32.  params [0] eps (f32).
  //   dims [2] rows per token P (0 means 1; must divide dims[0]): with kRowsFromParam the op
  //   processes n = min(dims[0], params_rt[kParamTokens] * P) rows. Per-head norms (q/k) use
  //   rows = tokens * heads, width = head_dim, P = heads.
  kRmsNorm = 3,
  // kQuantize: out = (int8) clamp(nearbyint(x * inv_scale), -127, 127) (float product; current
  //   rounding mode = to nearest even).   dims [0] rows [1] width.  operands [0] in F32  [3] out I8.
  //   params [0] inv_scale (f32).
  kQuantize = 4,
  // kLinear: out[m][n] = in[m] . W[n] (no bias; use kAdd with kBroadcastB).
  //   dims [0] rows M [1] K [2] N [3] group size G (0 = one scale per output row).
  //   operands [0] in: F32 [M][K] (F32 weights) or I8 [M][K] (int weights)  [1] W: F32|F16|BF16 [N][K]
  //   or I8 [N][K] or I4 [N][K] (packed per row, K even)  [2] scales F32: [N] if G = 0, else
  //   [N][K/G] (K % G == 0)  [3] out F32 [M][N].  params [0] activation scale a (f32, I8 input).
  //   Integer numerics: G = 0: acc = exact int32 sum over k; out = (float)acc * (a * s[n]).
  //   G > 0: per block b, acc_b = exact int32 sum over the block; t = 0.0f; for b ascending:
  //   t = t + (float)acc_b * s[n][b]; out = t * a.
  kLinear = 5,
  // kShortConv (LFM2 short convolution with its gates), per row t and channel d (D = dims[1]):
  //   B, C, x = in[t][0:D], in[t][D:2D], in[t][2D:3D];  bx_t = B * x (float);
  //   y = sum_{j=0..L-1} w[d][j] * bx_{t-L+1+j} (float: y = 0.0f, then y = y + w * bx for j
  //   ascending; rows before this run come from the state, oldest first);  out[t][d] = C * y.  Tap L-1 multiplies the current row.
  //   dims [0] rows [1] D [2] L.  operands [0] in F32 [rows][3D]  [1] w F32 [D][L]
  //   [2] state F32 [L-1][D] (kState)  [3] out F32 [rows][D].  Afterwards the state holds the last
  //   L-1 bx rows. When params_rt[kParamPosition] == 0 the state is zeroed before the run.
  kShortConv = 6,
  // kRope (NeoX pairing, in place): row r has position p = params_rt[kParamPosition] + r; for head h, i < hd/2:
  //   f = (double)freqs[i] with the table, else pow((double)theta, -2.0 * i / hd); ang = p * f (double); c = (float)cos(ang),
  //   s = (float)sin(ang); (x0, x1) = (x[i], x[i + hd/2]); x[i] = x0*c - x1*s; x[i+hd/2] = x0*s + x1*c.
  //   dims [0] rows [1] heads [2] head_dim.  operands [0] data F32 [rows][heads][hd] (read and written)  [1] freqs F32
  //   [hd/2] (optional table: radians per position of each pair; scaled RoPE, Llama 3).  params [0] theta (f32), 0 with [1].
  kRope = 7,
  // kKvAppend: cache K[p] = k[r], V[p] = v[r] for p = params_rt[kParamPosition] + r.
  //   dims [0] rows [1] kv_heads [2] head_dim [3] capacity (positions).  operands [0] k F32
  //   [rows][kvh][hd]  [1] v F32 [rows][kvh][hd]  [2] cache (kState) F32|F16: K [capacity][kvh][hd]
  //   then V [capacity][kvh][hd]; or (ABI 1.5 "op.kv_int8") I8, each position's head quantized on
  //   its own with an F32 scale stored after K and V (layout and numerics: npu_abi/kv_cache.hpp).
  //   A position >= capacity fails the run.
  //   dims [4] window W (ABI 1.4 "op.attention_window"; 0 = none): the cache is a ring, position p
  //   lives in slot p % capacity and any position is accepted; capacity must be at least W + rows - 1
  //   (the window of the chunk's first row plus the chunk) so that no position a row attends to is
  //   overwritten before it is read.
  kKvAppend = 8,
  // kAttention (causal GQA over the cache, after kKvAppend): for row r at p = pos + r, head h,
  //   g = h / (heads / kv_heads): score_j = (double-sequential dot of q[r][h] and K[j][g]) * scale,
  //   j = 0..p; m = max_j score_j; e_j = exp(score_j - m) (double); out[r][h][:] =
  //   (float)(double-sequential sum_j e_j * V[j][g][:] / double-sequential sum_j e_j).
  //   dims [0] rows [1] heads [2] kv_heads [3] head_dim [4] capacity.  operands [0] q F32
  //   [rows][heads][hd]  [2] cache (as kKvAppend)  [3] out F32 [rows][heads*hd].  params [0] scale.
  //   dims [5] window W (ABI 1.4 "op.attention_window"; 0 = none): sliding-window (local) attention,
  //   j = max(0, p - W + 1)..p, read from slot j % capacity of a ring cache (kKvAppend dims[4]).
  kAttention = 9,
  // kSwiGlu: out = (g / (1.0f + expf(-g))) * u, all in float (expf: the float libm exp, not a
  //   double exp rounded to float).  dims [0] rows [1] width.
  //   operands [0] gate F32 [rows][width]  [1] up F32 [rows][width]  [3] out F32.
  kSwiGlu = 10,
  // kAdd: out = a + b (float); with OpFlags::kBroadcastB, b is one row added to every row.
  //   dims [0] rows [1] width.  operands [0] a F32  [1] b F32  [3] out F32 (may alias a).
  kAdd = 11,
  // kCopyRow: copies one row of dims[1] bytes: row index params[0], or the last valid row
  //   (n - 1) when params[0] == -1.  operands [0] src base  [3] dst.
  kCopyRow = 12,
  // kArgmax: out[r] = index of the largest value of row r (lowest index on ties; NaN never wins).
  //   dims [0] rows [1] width.  operands [0] in F32 [rows][width]  [3] out I32 [rows].
  kArgmax = 13,
  // ---- ABI 1.4: Gemma 3 and routed mixture-of-experts (LFM2-MoE) feed-forwards.
  // kGeluGlu ("op.gelu_glu"): out = (0.5f * g * (1.0f + tanhf(0.7978845608f * (g + 0.044715f * g * g * g)))) * u,
  //   all in float (tanhf: the float libm tanh), evaluated left to right as written.  dims [0] rows [1] width.
  //   operands [0] gate F32 [rows][width]  [1] up F32 [rows][width]  [3] out F32.
  kGeluGlu = 14,
  // kMoeRoute ("op.moe"): picks the k experts of each row. score_e = logits[r][e] (params[0] = 0:
  //   softmax over e in double, then float; 1: sigmoid 1 / (1 + expf(-x)) in float). Selection uses
  //   score_e + bias[e] (bias optional), the k largest, lowest index first on ties, in descending
  //   order; weight_j = score of the j-th pick (without bias); with params[1] = 1 the weights are divided
  //   by max(their float sum (ascending j), 2^-14); then multiplied by params[2] (f32 routed scaling
  //   factor). The math is written once, npu_abi/moe_route.hpp.
  //   dims [0] rows [1] experts E [2] k (1..E).  operands [0] logits F32 [rows][E]  [1] bias F32 [E]
  //   (optional)  [3] route table [rows][k] of {I32 expert id, F32 weight} pairs (8 bytes each; dtype I32).
  kMoeRoute = 15,
  // kMoeLinear ("op.moe"): the routed experts' kLinear. For row r and its k picks (id_j, w_j) from a
  //   route table: y[r][j][:] = x[r][s] . W[id_j]^T with the numerics of kLinear (s = 0 with
  //   kMoeSharedInput, else s = j); with kMoeCombine out[r][:] = sum over j ascending of w_j * y[r][j][:]
  //   (float, t = 0.0f; t = t + w_j * y), else out[r][j][:] = y[r][j][:].
  //   dims [0] rows [1] K [2] N [3] group G (as kLinear) [4] experts E [5] k.
  //   operands [0] in I8 [rows][1 or k][K]  [1] W I8|I4 [E][N][K]  [2] scales F32 [E][N] or [E][N][K/G]
  //   [3] out F32 [rows][k][N] or, with kMoeCombine, [rows][N].  params [0] activation scale a (f32)
  //   [1] byte offset, in the scratch segment, of the route table (kMoeRoute operand 3; [dims[0]][k]).
  //   Float weights (F32|F16|BF16 [E][N][K]) take F32 inputs, no scales, G = 0 and params[0] = 0, and
  //   the numerics of kLinear's float weights.
  //   Only the picked experts' weights are read: a run of n rows reads at most min(E, n * k) experts.
  kMoeLinear = 16,
};

// The op's name in reports and traces ("linear"), or "op" for an unknown opcode.
[[nodiscard]] constexpr const char* op_name(std::uint16_t opcode) noexcept {
  constexpr const char* kNames[] = {"nop",      "gemm_i8",   "embed",      "rms_norm",  "quantize", "linear",
                                    "short_conv", "rope",    "kv_append",  "attention", "swiglu",   "add",
                                    "copy_row", "argmax",    "gelu_glu",   "moe_route", "moe_linear"};
  return opcode < sizeof(kNames) / sizeof(kNames[0]) ? kNames[opcode] : "op";
}

// OpDesc::flags bits.
enum OpFlags : std::uint16_t {
  kRowsFromParam = 1u << 0,  // rows = min(dims[0], params_rt[kParamTokens])
  kBroadcastB = 1u << 1,     // kAdd: operand 1 is a single row
  kMoeSharedInput = 1u << 2, // kMoeLinear: one input row per token, shared by its k experts
  kMoeCombine = 1u << 3,     // kMoeLinear: sum the k experts' outputs weighted by the route table
};

// Indices into RunRequest::params read by ops.
inline constexpr std::uint32_t kParamPosition = 0;  // absolute position of the first row
inline constexpr std::uint32_t kParamTokens = 1;    // valid rows in this run

struct OpDesc {
  std::uint16_t opcode;      // OpCode
  std::uint16_t flags;       // 0 (reserved for op-specific flags)
  // Layer tag for reports (ABI 1.1): 0 = none, else model layer + 1 (op_layer_tag). The device
  // does not interpret it beyond copying it into profile records. Older firmware requires 0.
  std::uint32_t reserved;
  std::uint32_t dims[6];
  Operand operands[4];
  std::int32_t params[8];
};
static_assert(sizeof(OpDesc) == 128);
static_assert(offsetof(OpDesc, operands) == 32);
static_assert(offsetof(OpDesc, params) == 96);

// OpDesc::reserved as a layer tag: layer + 1, or 0 for ops outside any layer.
[[nodiscard]] constexpr std::uint32_t op_layer_tag(std::uint32_t layer) noexcept { return layer + 1; }
// The layer of a tagged op, or 0xffffffff (abi::kProfileNoLayer) when untagged.
[[nodiscard]] constexpr std::uint32_t op_layer(const OpDesc& op) noexcept {
  return op.reserved == 0 ? 0xffffffffu : op.reserved - 1;
}

// Slots of a kMoeLinear input row (1 with kMoeSharedInput, else k) and of its output row (1 with
// kMoeCombine, else k).
[[nodiscard]] constexpr std::uint64_t moe_in_slots(const OpDesc& op) noexcept {
  return (op.flags & kMoeSharedInput) != 0 ? 1 : op.dims[5];
}
[[nodiscard]] constexpr std::uint64_t moe_out_slots(const OpDesc& op) noexcept {
  return (op.flags & kMoeCombine) != 0 ? 1 : op.dims[5];
}
// Bytes of one route-table entry (kMoeRoute / kMoeLinear): I32 expert id, F32 weight.
inline constexpr std::uint64_t kMoeRouteEntryBytes = 8;

// The rows rule: the rows an op processes in a run with `tokens` valid tokens — dims[0], or with
// kRowsFromParam min(dims[0], tokens * P) where P = dims[2] for kRmsNorm (rows per token of
// per-head norms; 0 means 1) and 1 for every other op.
[[nodiscard]] constexpr std::uint64_t op_rows(const OpDesc& op, std::int64_t tokens) noexcept {
  if ((op.flags & kRowsFromParam) == 0) return op.dims[0];
  if (tokens <= 0) return 0;
  const std::uint64_t per_token =
      op.opcode == static_cast<std::uint16_t>(OpCode::kRmsNorm) && op.dims[2] != 0 ? op.dims[2] : 1;
  const std::uint64_t want = static_cast<std::uint64_t>(tokens) * per_token;
  return want < op.dims[0] ? want : op.dims[0];
}

struct ProgramHeader {
  std::uint32_t magic;        // kProgramMagic
  std::uint16_t version;      // kProgramVersion
  std::uint16_t header_size;  // sizeof(ProgramHeader)
  std::uint32_t num_ops;
  std::uint32_t op_size;      // sizeof(OpDesc)
  std::uint64_t sram_bytes;   // SRAM the program expects resident
  std::uint32_t crc32;        // CRC-32 of the op array
  std::uint32_t reserved;     // 0
};
static_assert(sizeof(ProgramHeader) == 32);

}  // namespace npu::abi
