// linear_int with Arm NEON dot products (SDOT, vdotq_s32: Armv8.2-A "dotprod", e.g. the
// Raspberry Pi 5's Cortex-A76), chosen at run time from HWCAP_ASIMDDP. Signed int8 times signed
// int8 directly (no unsigned bias); packed I4 nibbles are sign-extended in registers and met by
// the even / odd activations that vld2q_s8 de-interleaves. One column at a time, each weight row
// read front to back; the int32 sums wrap as the reference's, and the float steps per output are
// the portable reference's, in the same order.
#include "linear_int.hpp"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstdint>

// Clang (the fuzz tree, scripts/fuzz.sh) has no `#pragma GCC target`; its own pragma gives every
// function of this region the same target.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("dotprod"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")
#endif

namespace npu::sim::kernels {
namespace {

// Wrapping dot product of n (multiple of 32) int8 activations and I8 weights.
std::int32_t dot_i8(const std::int8_t* x, const std::int8_t* w, std::size_t n) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
  for (std::size_t i = 0; i < n; i += 32) {
    a0 = vdotq_s32(a0, vld1q_s8(x + i), vld1q_s8(w + i));
    a1 = vdotq_s32(a1, vld1q_s8(x + i + 16), vld1q_s8(w + i + 16));
  }
  return vaddvq_s32(vaddq_s32(a0, a1));
}

// The same for n (multiple of 32) packed I4 weights (n / 2 bytes; element 2i in the low nibble
// of byte i, 2i + 1 in the high one).
std::int32_t dot_i4(const std::int8_t* x, const std::uint8_t* w, std::size_t n) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
  for (std::size_t i = 0; i < n; i += 32) {
    const int8x16_t v = vreinterpretq_s8_u8(vld1q_u8(w + i / 2));
    const int8x16x2_t xs = vld2q_s8(x + i);  // val[0]: elements 0, 2, 4, ...; val[1]: 1, 3, 5, ...
    a0 = vdotq_s32(a0, xs.val[0], vshrq_n_s8(vshlq_n_s8(v, 4), 4));
    a1 = vdotq_s32(a1, xs.val[1], vshrq_n_s8(v, 4));
  }
  return vaddvq_s32(vaddq_s32(a0, a1));
}

}  // namespace

void linear_int_neondot(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept {
  const std::size_t k = a.k, blocks = a.group == 0 ? 1 : k / a.group, bk = a.group == 0 ? k : a.group;
  const std::size_t row_bytes = a.int4 ? k / 2 : k;
  for (std::size_t col = n0; col < n1; ++col) {
    const std::uint8_t* w = a.w + col * row_bytes;
    for (std::size_t row = 0; row < a.m; ++row) {
      const std::int8_t* x = a.in + row * k;
      auto dot = [&](std::size_t b) {
        return a.int4 ? dot_i4(x + b * bk, w + b * bk / 2, bk)
                      : dot_i8(x + b * bk, reinterpret_cast<const std::int8_t*>(w) + b * bk, bk);
      };
      if (a.group == 0) {
        a.out[row * a.n + col] = static_cast<float>(dot(0)) * (a.act_scale * a.scales[col]);
      } else {
        float t = 0.0f;
        for (std::size_t b = 0; b < blocks; ++b) t = t + static_cast<float>(dot(b)) * a.scales[col * blocks + b];
        a.out[row * a.n + col] = t * a.act_scale;
      }
    }
  }
}

}  // namespace npu::sim::kernels

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
