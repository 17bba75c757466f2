// linear_int with AVX-512 VNNI: the 512-bit kernels of linear_int_zmm.cpp for the decode shapes,
// vpdpbusd on 256-bit vectors (AVX512VL) for the rest: weights made unsigned (I4 + 8, I8 + 128)
// times signed activations, the bias removed with the activations' block sums.
#include "linear_int.hpp"
#include "linear_int_zmm.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>
#include <vector>

// Clang (the fuzz tree, scripts/fuzz.sh) has no `#pragma GCC target`; its own pragma gives every
// function of this region the same target.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,avx512f,avx512vl,avx512vnni"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,avx512f,avx512vl,avx512vnni")
#endif

namespace npu::sim::kernels {
namespace {

#include "linear_int_i4_x86.inc"

struct Dot {
  static constexpr std::int32_t kBias4 = 8, kBias8 = 128;
  static constexpr std::size_t kXBytes4 = 32, kXBytes8 = 32;
  static void prep4(const std::int8_t* x, std::uint8_t* out) { prep_i4_activations(x, out); }
  static void prep8(const std::int8_t* x, std::uint8_t* out) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)));
  }
  static __m256i step4(__m256i acc, const std::uint8_t* w, const std::uint8_t* x) {
    return _mm256_dpbusd_epi32(acc, unpack_i4_unsigned(w), _mm256_load_si256(reinterpret_cast<const __m256i*>(x)));
  }
  static __m256i step8(__m256i acc, const std::uint8_t* w, const std::uint8_t* x) {
    const __m256i wu = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)),
                                        _mm256_set1_epi8(static_cast<char>(0x80)));
    return _mm256_dpbusd_epi32(acc, wu, _mm256_load_si256(reinterpret_cast<const __m256i*>(x)));
  }
};

#include "linear_int_tile.inc"

}  // namespace

void linear_int_avx512vnni(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept {
  // The 512-bit kernels take the shapes they cover in whole tiles; 256-bit tiles do the rest.
  std::size_t mid = n0;
  if (const std::size_t step = zmm::tile_columns(a); step != 0) {
    mid = n0 + (n1 - n0) / step * step;
    if (mid > n0) zmm::run(a, n0, mid);
  }
  if (mid == n1) return;
  if (a.int4) run_tiles<true>(a, mid, n1);
  else run_tiles<false>(a, mid, n1);
}

}  // namespace npu::sim::kernels

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
