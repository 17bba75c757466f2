// Block dequantization of the ggml storage types. Block layouts (all little-endian):
//   Q8_0  34 B / 32: f16 d, i8 q[32]                          x = d*q
//   Q4_0  18 B / 32: f16 d, u8 qs[16]                         x[j] = d*((qs[j]&15)-8), x[j+16] = d*((qs[j]>>4)-8)
//   Q4_1  20 B / 32: f16 d, f16 m, u8 qs[16]                  x = d*q + m, same nibble order
//   Q5_0  22 B / 32: f16 d, u8 qh[4], u8 qs[16]                x = d*(q-16); bit j of qh (u32) is
//        the 5th bit of weight j (j < 32), low nibbles hold weights 0..15, high ones 16..31
//   Q5_1  24 B / 32: f16 d, f16 m, u8 qh[4], u8 qs[16]         x = d*q + m, q as Q5_0
//   Q4_K 144 B / 256: f16 d, f16 dmin, u8 scales[12], u8 qs[128]; 8 sub-blocks of 32 with 6-bit
//        scale/min pairs; each 64-chunk takes low nibbles (sub-block 2i) then high (2i+1)
//   Q5_K 176 B / 256: as Q4_K plus u8 qh[32] (before qs): bit 2i / 2i+1 of qh[l] is the 5th bit
//   Q6_K 210 B / 256: u8 ql[128], u8 qh[64], i8 scales[16], f16 d; 16 sub-blocks of 16
#include <cstring>

#include <fmt/format.h>

#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler {
namespace {

using u8 = std::uint8_t;

std::uint16_t load_u16(const u8* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
float load_f16(const u8* p) { return fp16_to_float(load_u16(p)); }

void q8_0_block(const u8* b, float* y) {
  const float d = load_f16(b);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(static_cast<std::int8_t>(b[2 + j]));
}

void q4_0_block(const u8* b, float* y) {
  const float d = load_f16(b);
  const u8* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>((qs[j] & 0x0f) - 8);
    y[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
  }
}

void q4_1_block(const u8* b, float* y) {
  const float d = load_f16(b);
  const float m = load_f16(b + 2);
  const u8* qs = b + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>(qs[j] & 0x0f) + m;
    y[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
  }
}

// The 5-bit values of a Q5_0 / Q5_1 block: qh (32 high bits) and 16 bytes of nibbles.
void q5_values(const u8* qh_bytes, const u8* qs, int (&q)[32]) {
  std::uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    q[j + 16] = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
  }
}

void q5_0_block(const u8* b, float* y) {
  const float d = load_f16(b);
  int q[32];
  q5_values(b + 2, b + 6, q);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(q[j] - 16);
}

void q5_1_block(const u8* b, float* y) {
  const float d = load_f16(b);
  const float m = load_f16(b + 2);
  int q[32];
  q5_values(b + 4, b + 8, q);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(q[j]) + m;
}

// The 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes of Q4_K / Q5_K.
void k_scale_min(int j, const u8* q, u8& scale, u8& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = static_cast<u8>((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
    min = static_cast<u8>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void q4_k_block(const u8* b, float* y) {
  const float d = load_f16(b);
  const float dmin = load_f16(b + 2);
  const u8* scales = b + 4;
  const u8* q = b + 16;
  for (int chunk = 0; chunk < 4; ++chunk) {
    u8 sc0, m0, sc1, m1;
    k_scale_min(2 * chunk, scales, sc0, m0);
    k_scale_min(2 * chunk + 1, scales, sc1, m1);
    const float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
    for (int l = 0; l < 32; ++l) *y++ = d0 * static_cast<float>(q[l] & 0x0f) - min0;
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] >> 4) - min1;
    q += 32;
  }
}

void q5_k_block(const u8* b, float* y) {
  const float d = load_f16(b);
  const float dmin = load_f16(b + 2);
  const u8* scales = b + 4;
  const u8* qh = b + 16;
  const u8* ql = b + 48;
  for (int chunk = 0; chunk < 4; ++chunk) {
    u8 sc0, m0, sc1, m1;
    k_scale_min(2 * chunk, scales, sc0, m0);
    k_scale_min(2 * chunk + 1, scales, sc1, m1);
    const float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
    const u8 bit_lo = static_cast<u8>(1u << (2 * chunk));
    const u8 bit_hi = static_cast<u8>(2u << (2 * chunk));
    for (int l = 0; l < 32; ++l) {
      *y++ = d0 * static_cast<float>((ql[l] & 0x0f) + ((qh[l] & bit_lo) ? 16 : 0)) - min0;
    }
    for (int l = 0; l < 32; ++l) {
      *y++ = d1 * static_cast<float>((ql[l] >> 4) + ((qh[l] & bit_hi) ? 16 : 0)) - min1;
    }
    ql += 32;
  }
}

void q6_k_block(const u8* b, float* y) {
  const u8* ql = b;
  const u8* qh = b + 128;
  const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
  const float d = load_f16(b + 208);
  for (int half = 0; half < 2; ++half) {
    for (int l = 0; l < 32; ++l) {
      const int s = l / 16;
      const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[s + 0] * q1);
      y[l + 32] = d * static_cast<float>(sc[s + 2] * q2);
      y[l + 64] = d * static_cast<float>(sc[s + 4] * q3);
      y[l + 96] = d * static_cast<float>(sc[s + 6] * q4);
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

using BlockFn = void (*)(const u8*, float*);

BlockFn block_decoder(GgmlType type) {
  switch (type) {
    case GgmlType::kQ8_0: return q8_0_block;
    case GgmlType::kQ4_0: return q4_0_block;
    case GgmlType::kQ4_1: return q4_1_block;
    case GgmlType::kQ5_0: return q5_0_block;
    case GgmlType::kQ5_1: return q5_1_block;
    case GgmlType::kQ4_K: return q4_k_block;
    case GgmlType::kQ5_K: return q5_k_block;
    case GgmlType::kQ6_K: return q6_k_block;
    default: return nullptr;
  }
}

}  // namespace

Expected<void> dequantize(GgmlType type, std::span<const std::byte> data, std::span<float> out) {
  if (!ggml_type_dequantizable(type)) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("cannot dequantize ggml type {} (supported: F32, F16, BF16, Q8_0, Q4_0, "
                            "Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K); re-quantize the model to one of these",
                            ggml_type_name(type)));
  }
  NPU_TRY_ASSIGN(std::uint64_t need, ggml_storage_bytes(type, out.size()));
  if (data.size() < need) {
    return fail(ErrorCode::kBadFormat, fmt::format("{} {} weights need {} bytes, got {}", out.size(),
                                                   ggml_type_name(type), need, data.size()));
  }
  const auto* src = reinterpret_cast<const u8*>(data.data());
  const std::size_t n = out.size();
  switch (type) {
    case GgmlType::kF32:
      std::memcpy(out.data(), src, n * 4);
      return {};
    case GgmlType::kF16:
      for (std::size_t i = 0; i < n; ++i) out[i] = fp16_to_float(load_u16(src + 2 * i));
      return {};
    case GgmlType::kBF16:
      for (std::size_t i = 0; i < n; ++i) out[i] = bf16_to_float(load_u16(src + 2 * i));
      return {};
    default:
      break;
  }
  const GgmlTypeTraits traits = *ggml_type_traits(static_cast<std::uint32_t>(type));
  const BlockFn decode = block_decoder(type);
  const std::size_t blocks = n / traits.block_size;
  for (std::size_t b = 0; b < blocks; ++b) {
    decode(src + b * traits.block_bytes, out.data() + b * traits.block_size);
  }
  return {};
}

}  // namespace npu::compiler
