// linear_int with AVX2: I4 weights made unsigned (+ 8) through vpmaddubsw (products of at most
// 15 * 128, so the int16 pair sums never saturate) then vpmaddwd; I8 weights sign-extended to
// int16 and multiplied with int16 activations by vpmaddwd (exact for every int8 pair).
#include "linear_int.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>
#include <vector>

// Clang (the fuzz tree, scripts/fuzz.sh) has no `#pragma GCC target`; its own pragma gives every
// function of this region the same target.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif

namespace npu::sim::kernels {
namespace {

#include "linear_int_i4_x86.inc"

struct Dot {
  static constexpr std::int32_t kBias4 = 8, kBias8 = 0;
  static constexpr std::size_t kXBytes4 = 32, kXBytes8 = 64;
  static void prep4(const std::int8_t* x, std::uint8_t* out) { prep_i4_activations(x, out); }
  static void prep8(const std::int8_t* x, std::uint8_t* out) {  // int16 activations
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), _mm256_cvtepi8_epi16(_mm256_castsi256_si128(v)));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out + 32), _mm256_cvtepi8_epi16(_mm256_extracti128_si256(v, 1)));
  }
  static __m256i step4(__m256i acc, const std::uint8_t* w, const std::uint8_t* x) {
    const __m256i wu = unpack_i4_unsigned(w);
    const __m256i p16 = _mm256_maddubs_epi16(wu, _mm256_load_si256(reinterpret_cast<const __m256i*>(x)));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
  }
  static __m256i step8(__m256i acc, const std::uint8_t* w, const std::uint8_t* x) {
    const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
    const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 16)));
    const __m256i p0 = _mm256_madd_epi16(w0, _mm256_load_si256(reinterpret_cast<const __m256i*>(x)));
    const __m256i p1 = _mm256_madd_epi16(w1, _mm256_load_si256(reinterpret_cast<const __m256i*>(x + 32)));
    return _mm256_add_epi32(acc, _mm256_add_epi32(p0, p1));
  }
};

#include "linear_int_tile.inc"

}  // namespace

void linear_int_avx2(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept {
  if (a.int4) run_tiles<true>(a, n0, n1);
  else run_tiles<false>(a, n0, n1);
}

}  // namespace npu::sim::kernels

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
