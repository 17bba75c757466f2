// Float -> ggml storage for the GGUF writer: F32, F16, BF16 and the 32-weight block types, encoded
// the way ggml's reference quantizers do (Q8_0: d = amax/127, round; Q4_0 / Q5_0: the signed
// maximum maps to -8 / -16; Q4_1 / Q5_1: [min, max] in 15 / 31 steps). K-quants: quantize_k.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "npu/compiler/gguf_quant.hpp"
#include "quantize_blocks.hpp"

namespace npu::compiler {
namespace detail {
namespace {

void store_u16(std::byte* p, std::uint16_t v) { std::memcpy(p, &v, 2); }

// The value of largest magnitude, with its sign.
float signed_max(const float* x) {
  float max = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > std::fabs(max)) max = x[j];
  }
  return max;
}

void min_max(const float* x, float& min, float& max) {
  min = max = x[0];
  for (int j = 1; j < 32; ++j) {
    min = std::min(min, x[j]);
    max = std::max(max, x[j]);
  }
}

// Packs 32 values of 0..15 into 16 bytes: low nibbles hold weights 0..15, high ones 16..31.
void pack_nibbles(const std::uint8_t* q, std::byte* out) {
  for (int j = 0; j < 16; ++j) out[j] = static_cast<std::byte>((q[j] & 15) | ((q[j + 16] & 15) << 4));
}

// 32 values of 0..31: the 5th bits as one little-endian u32, then the nibbles.
void pack_q5(const std::uint8_t* q, std::byte* out) {
  std::uint32_t qh = 0;
  for (int j = 0; j < 32; ++j) qh |= static_cast<std::uint32_t>((q[j] >> 4) & 1) << j;
  std::memcpy(out, &qh, 4);
  pack_nibbles(q, out + 4);
}

// Q4_0 / Q5_0: d (f16) at `out` and `count` (16 / 32) values q; the signed maximum maps to
// -count/2 so the full range is used; weight = d * (q - count/2).
void symmetric_values(const float* x, int count, std::byte* out, std::uint8_t* q) {
  const float half = static_cast<float>(count / 2);
  const float d = signed_max(x) / -half;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_u16(out, float_to_fp16(d));
  for (int j = 0; j < 32; ++j) q[j] = static_cast<std::uint8_t>(std::clamp(static_cast<int>(x[j] * id + half + 0.5f), 0, count - 1));
}

// Q4_1 / Q5_1: d and m (f16) at `out`; [min, max] in `levels` (15 / 31) steps, q = (x - min) / d.
void affine_values(const float* x, int levels, std::byte* out, std::uint8_t* q) {
  float min, max;
  min_max(x, min, max);
  const float d = (max - min) / static_cast<float>(levels);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_u16(out, float_to_fp16(d));
  store_u16(out + 2, float_to_fp16(min));
  for (int j = 0; j < 32; ++j) q[j] = static_cast<std::uint8_t>(std::clamp(static_cast<int>((x[j] - min) * id + 0.5f), 0, levels));
}

}  // namespace

void q8_0_block(const float* x, std::byte* out) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_u16(out, float_to_fp16(d));
  for (int j = 0; j < 32; ++j) {
    out[2 + j] = static_cast<std::byte>(static_cast<std::int8_t>(std::lround(x[j] * id)));
  }
}

void q4_0_block(const float* x, std::byte* out) {
  std::uint8_t q[32];
  symmetric_values(x, 16, out, q);
  pack_nibbles(q, out + 2);
}

void q4_1_block(const float* x, std::byte* out) {
  std::uint8_t q[32];
  affine_values(x, 15, out, q);
  pack_nibbles(q, out + 4);
}

void q5_0_block(const float* x, std::byte* out) {
  std::uint8_t q[32];
  symmetric_values(x, 32, out, q);
  pack_q5(q, out + 2);
}

void q5_1_block(const float* x, std::byte* out) {
  std::uint8_t q[32];
  affine_values(x, 31, out, q);
  pack_q5(q, out + 4);
}

}  // namespace detail

Expected<std::vector<std::byte>> quantize(GgmlType type, std::span<const float> values) {
  for (float v : values) {
    if (!std::isfinite(v)) {
      return fail(ErrorCode::kInvalidArgument, "cannot quantize a tensor that contains inf or nan");
    }
  }
  NPU_TRY_ASSIGN(std::uint64_t bytes, ggml_storage_bytes(type, values.size()));
  std::vector<std::byte> out(bytes);
  const std::size_t n = values.size();
  using Encoder = void (*)(const float*, std::byte*);
  Encoder encode = nullptr;
  switch (type) {
    case GgmlType::kF32:
      std::memcpy(out.data(), values.data(), n * 4);
      return out;
    case GgmlType::kF16:
      for (std::size_t i = 0; i < n; ++i) detail::store_u16(out.data() + 2 * i, float_to_fp16(values[i]));
      return out;
    case GgmlType::kBF16:
      for (std::size_t i = 0; i < n; ++i) detail::store_u16(out.data() + 2 * i, float_to_bf16(values[i]));
      return out;
    case GgmlType::kQ8_0: encode = detail::q8_0_block; break;
    case GgmlType::kQ4_0: encode = detail::q4_0_block; break;
    case GgmlType::kQ4_1: encode = detail::q4_1_block; break;
    case GgmlType::kQ5_0: encode = detail::q5_0_block; break;
    case GgmlType::kQ5_1: encode = detail::q5_1_block; break;
    case GgmlType::kQ4_K: encode = detail::q4_k_block; break;
    case GgmlType::kQ5_K: encode = detail::q5_k_block; break;
    case GgmlType::kQ6_K: encode = detail::q6_k_block; break;
    default:
      return fail(ErrorCode::kUnsupported,
                  fmt::format("the GGUF writer cannot quantize to {} (supported: F32, F16, BF16, Q8_0, Q4_0, "
                              "Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)", ggml_type_name(type)));
  }
  const GgmlTypeTraits traits = *ggml_type_traits(static_cast<std::uint32_t>(type));
  for (std::size_t b = 0; b < n / traits.block_size; ++b) {
    encode(values.data() + b * traits.block_size, out.data() + b * traits.block_bytes);
  }
  return out;
}

}  // namespace npu::compiler
