// K-quant block encoders for the GGUF writer (super-blocks of 256 weights; layouts as in
// dequantize.cpp). A simple, valid encoding: each sub-block's range maps onto its levels, the
// sub-block scales (and mins) are quantized against one f16 super-block scale; weights are then
// rounded against the quantized scales, so what is stored is what decodes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "npu/compiler/gguf_quant.hpp"
#include "quantize_blocks.hpp"

namespace npu::compiler::detail {
namespace {

using u8 = std::uint8_t;

void store_half(std::byte* p, float v, float& stored) {
  const std::uint16_t bits = float_to_fp16(v);
  std::memcpy(p, &bits, 2);
  stored = fp16_to_float(bits);
}

int round_clamp(float v, int lo, int hi) { return std::clamp(static_cast<int>(std::lround(v)), lo, hi); }

// Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins, x = d*ls*q - dmin*lm, q in 0..levels.
// Writes d, dmin and the 12 scale bytes at `out`; returns the 256 values q.
void k_scale_min_quantize(const float* x, int levels, std::byte* out, u8 (&q)[256]) {
  float scale[8], min[8];
  for (int sb = 0; sb < 8; ++sb) {
    const float* v = x + 32 * sb;
    const float lo = std::min(0.0f, *std::min_element(v, v + 32));
    const float hi = std::max(lo, *std::max_element(v, v + 32));
    scale[sb] = (hi - lo) / static_cast<float>(levels);
    min[sb] = -lo;
  }
  float d = 0, dmin = 0;
  store_half(out, *std::max_element(scale, scale + 8) / 63.0f, d);
  store_half(out + 2, *std::max_element(min, min + 8) / 63.0f, dmin);
  u8 ls[8], lm[8];
  for (int sb = 0; sb < 8; ++sb) {
    ls[sb] = static_cast<u8>(d > 0 ? round_clamp(scale[sb] / d, 0, 63) : 0);
    lm[sb] = static_cast<u8>(dmin > 0 ? round_clamp(min[sb] / dmin, 0, 63) : 0);
    const float step = d * ls[sb], offset = dmin * lm[sb];
    for (int i = 0; i < 32; ++i) {
      q[32 * sb + i] = static_cast<u8>(step > 0 ? round_clamp((x[32 * sb + i] + offset) / step, 0, levels) : 0);
    }
  }
  // 12 bytes: sub-blocks 0..3 in the low 6 bits of bytes 0..3 (scales) and 4..7 (mins);
  // sub-blocks 4..7 in the nibbles of bytes 8..11 with their top 2 bits in bytes 0..7's top bits.
  u8 s[12] = {};
  for (int j = 0; j < 4; ++j) {
    s[j] = ls[j];
    s[j + 4] = lm[j];
  }
  for (int j = 4; j < 8; ++j) {
    s[j + 4] = static_cast<u8>((ls[j] & 15) | ((lm[j] & 15) << 4));
    s[j - 4] = static_cast<u8>(s[j - 4] | ((ls[j] >> 4) << 6));
    s[j] = static_cast<u8>(s[j] | ((lm[j] >> 4) << 6));
  }
  std::memcpy(out + 4, s, 12);
}

// Each 64-weight chunk: low nibbles hold its first 32 weights, high nibbles the next 32.
void pack_k_nibbles(const u8 (&q)[256], std::byte* qs) {
  for (int chunk = 0; chunk < 4; ++chunk) {
    for (int l = 0; l < 32; ++l) {
      qs[32 * chunk + l] = static_cast<std::byte>((q[64 * chunk + l] & 15) | ((q[64 * chunk + 32 + l] & 15) << 4));
    }
  }
}

}  // namespace

void q4_k_block(const float* x, std::byte* out) {
  u8 q[256];
  k_scale_min_quantize(x, 15, out, q);
  pack_k_nibbles(q, out + 16);
}

void q5_k_block(const float* x, std::byte* out) {
  u8 q[256];
  k_scale_min_quantize(x, 31, out, q);
  u8 qh[32] = {};
  for (int chunk = 0; chunk < 4; ++chunk) {
    for (int l = 0; l < 32; ++l) {
      qh[l] = static_cast<u8>(qh[l] | (((q[64 * chunk + l] >> 4) & 1) << (2 * chunk)) |
                              (((q[64 * chunk + 32 + l] >> 4) & 1) << (2 * chunk + 1)));
    }
  }
  std::memcpy(out + 16, qh, 32);
  pack_k_nibbles(q, out + 48);
}

// Q6_K: 16 sub-blocks of 16 with int8 scales, x = d*sc*(q - 32), q in 0..63.
void q6_k_block(const float* x, std::byte* out) {
  float sub[16];
  float amax = 0;
  for (int sb = 0; sb < 16; ++sb) {
    float m = 0;
    for (int i = 0; i < 16; ++i) {
      if (std::fabs(x[16 * sb + i]) > std::fabs(m)) m = x[16 * sb + i];
    }
    sub[sb] = m / -32.0f;  // the signed maximum maps to -32, the full range
    amax = std::max(amax, std::fabs(sub[sb]));
  }
  float d = 0;
  store_half(out + 208, amax / 127.0f, d);
  auto* sc = reinterpret_cast<std::int8_t*>(out + 192);
  u8 u[256];
  for (int sb = 0; sb < 16; ++sb) {
    sc[sb] = static_cast<std::int8_t>(d > 0 ? round_clamp(sub[sb] / d, -127, 127) : 0);
    const float step = d * sc[sb];
    for (int i = 0; i < 16; ++i) {
      u[16 * sb + i] = static_cast<u8>((step != 0 ? round_clamp(x[16 * sb + i] / step, -32, 31) : 0) + 32);
    }
  }
  // Per 128-weight half: ql[l] = weights l and l+64 (low / high nibble), ql[l+32] = l+32 and
  // l+96; qh[l] holds the top 2 bits of l, l+32, l+64, l+96.
  auto* ql = reinterpret_cast<u8*>(out);
  auto* qh = reinterpret_cast<u8*>(out + 128);
  for (int half = 0; half < 2; ++half) {
    const u8* v = u + 128 * half;
    for (int l = 0; l < 32; ++l) {
      ql[64 * half + l] = static_cast<u8>((v[l] & 15) | ((v[l + 64] & 15) << 4));
      ql[64 * half + l + 32] = static_cast<u8>((v[l + 32] & 15) | ((v[l + 96] & 15) << 4));
      qh[32 * half + l] = static_cast<u8>((v[l] >> 4) | ((v[l + 32] >> 4) << 2) | ((v[l + 64] >> 4) << 4) |
                                          ((v[l + 96] >> 4) << 6));
    }
  }
}

}  // namespace npu::compiler::detail
