// The 512-bit kernels described in linear_int_zmm.hpp.
#include "linear_int_zmm.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>
#include <vector>

// Clang (the fuzz tree, scripts/fuzz.sh) has no `#pragma GCC target`; its own pragma gives every
// function of this region the same target.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,avx512f,avx512vl,avx512bw,avx512vnni"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,avx512f,avx512vl,avx512bw,avx512vnni")
#endif
// GCC 12's avx512fintrin.h builds "undefined" vectors as `__m512i __Y = __Y;` inside several
// intrinsics, which -Wuninitialized reports at every inlined use.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace npu::sim::kernels::zmm {
namespace {

// (a & b) ^ c as a vpternlogd truth table (bit (a<<2 | b<<1 | c) of the immediate).
constexpr int kAndXor = 0x6A;

// Lane r = wrapping sum of the sixteen int32 lanes of acc[r], r = 0..7.
inline __m256i reduce8x16(const __m512i* acc) {
  __m256i h[8];
  for (int r = 0; r < 8; ++r)
    h[r] = _mm256_add_epi32(_mm512_castsi512_si256(acc[r]), _mm512_extracti64x4_epi64(acc[r], 1));
  const __m256i t0 = _mm256_hadd_epi32(h[0], h[1]), t1 = _mm256_hadd_epi32(h[2], h[3]);
  const __m256i t2 = _mm256_hadd_epi32(h[4], h[5]), t3 = _mm256_hadd_epi32(h[6], h[7]);
  const __m256i u0 = _mm256_hadd_epi32(t0, t1), u1 = _mm256_hadd_epi32(t2, t3);
  return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20), _mm256_permute2x128_si256(u0, u1, 0x31));
}

// Per-row scales: out[col0 + r] = (float)(dot_r - bias * xsum) * (act_scale * scales[col0 + r]).
inline void store_rows(__m256i dots, std::int32_t bias, std::int32_t xsum, const LinearIntArgs& a,
                       std::size_t col0, float* out) {
  const auto b = static_cast<std::uint32_t>(bias) * static_cast<std::uint32_t>(xsum);
  dots = _mm256_sub_epi32(dots, _mm256_set1_epi32(static_cast<std::int32_t>(b)));
  const __m256 s = _mm256_mul_ps(_mm256_set1_ps(a.act_scale), _mm256_loadu_ps(a.scales + col0));
  _mm256_storeu_ps(out + col0, _mm256_mul_ps(_mm256_cvtepi32_ps(dots), s));
}

// One column's dot product over k, read front to back (one sequential stream: the hardware
// prefetchers keep up with that far better than with eight interleaved ones). Four independent
// accumulators hide the vpdpbusd latency; the result is a vector whose lanes sum to the dot.
inline __m512i column_i8(const std::uint8_t* x, const std::uint8_t* w, std::size_t k) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  std::size_t i = 0;
  for (; i + 256 <= k; i += 256) {
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) {
      const std::size_t o = i + 64 * static_cast<std::size_t>(u);
      acc[u] = _mm512_dpbusd_epi32(acc[u], _mm512_xor_si512(_mm512_loadu_si512(w + o), flip), _mm512_load_si512(x + o));
    }
  }
  for (; i < k; i += 64)
    acc[0] = _mm512_dpbusd_epi32(acc[0], _mm512_xor_si512(_mm512_loadu_si512(w + i), flip), _mm512_load_si512(x + i));
  return _mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]), _mm512_add_epi32(acc[2], acc[3]));
}

// The same for packed I4 (row_bytes = k / 2); `x` holds per 128 elements the 64 even ones then
// the 64 odd ones (byte i of a 64-byte weight chunk has element 2i in its low nibble, 2i + 1 in
// its high one).
inline __m512i column_i4(const std::uint8_t* x, const std::uint8_t* w, std::size_t row_bytes) {
  const __m512i low = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(0x08);
  __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  std::size_t i = 0;
  auto step = [&](__m512i& acc_lo, __m512i& acc_hi, std::size_t o) {
    const __m512i v = _mm512_loadu_si512(w + o);
    const __m512i lo = _mm512_ternarylogic_epi32(v, low, eight, kAndXor);
    const __m512i hi = _mm512_ternarylogic_epi32(_mm512_srli_epi16(v, 4), low, eight, kAndXor);
    acc_lo = _mm512_dpbusd_epi32(acc_lo, lo, _mm512_load_si512(x + 2 * o));
    acc_hi = _mm512_dpbusd_epi32(acc_hi, hi, _mm512_load_si512(x + 2 * o + 64));
  };
  for (; i + 128 <= row_bytes; i += 128) {
    step(acc[0], acc[1], i);
    step(acc[2], acc[3], i + 64);
  }
  for (; i < row_bytes; i += 64) step(acc[0], acc[1], i);
  return _mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]), _mm512_add_epi32(acc[2], acc[3]));
}

// Eight columns of per-row-scale weights (I8 or packed I4), one prepared row `x`.
template <bool kInt4>
void rows8(const std::uint8_t* x, std::int32_t xsum, const LinearIntArgs& a, std::size_t col0, float* out) {
  const std::size_t row_bytes = kInt4 ? a.k / 2 : a.k;
  __m512i acc[8];
#pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) {
    const std::uint8_t* w = a.w + (col0 + static_cast<std::size_t>(r)) * row_bytes;
    acc[r] = kInt4 ? column_i4(x, w, row_bytes) : column_i8(x, w, row_bytes);
  }
  store_rows(reduce8x16(acc), kInt4 ? 8 : 128, xsum, a, col0, out);
}

// dst[b][c] = src[c][b] for 16 columns c and `blocks` blocks b (lane = column afterwards);
// 16 x 16 in-register transposes, a plain loop for a remainder of blocks.
void transpose16(const float* src, std::size_t blocks, float* dst) {
  std::size_t b0 = 0;
  for (; b0 + 16 <= blocks; b0 += 16) {
    __m512 r[16], t[16];
#pragma GCC unroll 16
    for (int c = 0; c < 16; ++c) r[c] = _mm512_loadu_ps(src + static_cast<std::size_t>(c) * blocks + b0);
#pragma GCC unroll 8
    for (int c = 0; c < 16; c += 2) {
      t[c] = _mm512_unpacklo_ps(r[c], r[c + 1]);
      t[c + 1] = _mm512_unpackhi_ps(r[c], r[c + 1]);
    }
#pragma GCC unroll 4
    for (int c = 0; c < 16; c += 4) {
      r[c] = _mm512_shuffle_ps(t[c], t[c + 2], 0x44);
      r[c + 1] = _mm512_shuffle_ps(t[c], t[c + 2], 0xEE);
      r[c + 2] = _mm512_shuffle_ps(t[c + 1], t[c + 3], 0x44);
      r[c + 3] = _mm512_shuffle_ps(t[c + 1], t[c + 3], 0xEE);
    }
#pragma GCC unroll 2
    for (int c = 0; c < 16; c += 8) {
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) {
        t[c + i] = _mm512_shuffle_f32x4(r[c + i], r[c + 4 + i], 0x88);
        t[c + 4 + i] = _mm512_shuffle_f32x4(r[c + i], r[c + 4 + i], 0xDD);
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
      r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xDD);
    }
    // r[j] now holds block b0 + j of the 16 columns.
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) _mm512_store_ps(dst + (b0 + static_cast<std::size_t>(j)) * 16, r[j]);
  }
  for (; b0 < blocks; ++b0)
    for (std::size_t c = 0; c < 16; ++c) dst[b0 * 16 + c] = src[c * blocks + b0];
}

// Sums of the 8-lane groups of v[0..7] (v[u] lanes 0..7: block 2u, lanes 8..15: block 2u + 1),
// lane = block 0..15. In-lane unpacks do the first two levels (the order of integer additions is
// free), one cross-lane level and a vpermd put the blocks in order.
inline __m512i block_sums16(__m512i* v) {
#pragma GCC unroll 4
  for (int u = 0; u < 4; ++u)  // 128-bit lane L: [v2u 0+2, v2u+1 0+2, v2u 1+3, v2u+1 1+3]
    v[u] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * u], v[2 * u + 1]), _mm512_unpackhi_epi32(v[2 * u], v[2 * u + 1]));
#pragma GCC unroll 2
  for (int u = 0; u < 2; ++u)  // 128-bit lane L, dword d: sum of lane L of the d-th of four inputs
    v[u] = _mm512_add_epi32(_mm512_unpacklo_epi64(v[2 * u], v[2 * u + 1]), _mm512_unpackhi_epi64(v[2 * u], v[2 * u + 1]));
  // Lanes (0+1, 2+3) of v[0] then of v[1]: dword 4g + d holds block 2d (g = 0), 2d + 1 (g = 1),
  // 8 + 2d (g = 2), 9 + 2d (g = 3).
  const __m512i z = _mm512_add_epi32(_mm512_shuffle_i32x4(v[0], v[1], 0x88), _mm512_shuffle_i32x4(v[0], v[1], 0xDD));
  return _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15), z);
}

// I8 weights with per-block-32 scales, sixteen columns, each row read front to back. Per 16
// blocks of a column, block_sums16 gives lane = block; the products (float)dot_b * s_b (scales
// contiguous) go to `prod`, a 16 x blocks tile that is transposed into `st` (lane = column) for
// the ordered sums t = t + p_b. Scratch: 16 * blocks floats each, 64-aligned.
void blocks32_i8(const std::uint8_t* x, const std::int32_t* block_sums, const LinearIntArgs& a, std::size_t col0,
                 float* out, float* prod, float* st) {
  const std::size_t k = a.k, blocks = k / 32;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (std::size_t c = 0; c < 16; ++c) {
    const std::uint8_t* w = a.w + (col0 + c) * k;
    const float* sc = a.scales + (col0 + c) * blocks;
    for (std::size_t q = 0; q < blocks; q += 16) {
      __m512i v[8];
#pragma GCC unroll 8
      for (int u = 0; u < 8; ++u) {
        const std::size_t o = 32 * q + 64 * static_cast<std::size_t>(u);
        v[u] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_xor_si512(_mm512_loadu_si512(w + o), flip),
                                   _mm512_load_si512(x + o));
      }
      const __m512i bias = _mm512_slli_epi32(_mm512_loadu_si512(block_sums + q), 7);  // 128 * sum, wrapping
      const __m512i d = _mm512_sub_epi32(block_sums16(v), bias);
      _mm512_store_ps(prod + c * blocks + q, _mm512_mul_ps(_mm512_cvtepi32_ps(d), _mm512_loadu_ps(sc + q)));
    }
  }
  transpose16(prod, blocks, st);
  __m512 t = _mm512_setzero_ps();
  for (std::size_t b = 0; b < blocks; ++b) t = _mm512_add_ps(t, _mm512_load_ps(st + b * 16));
  _mm512_storeu_ps(out + col0, _mm512_mul_ps(t, _mm512_set1_ps(a.act_scale)));
}

enum class Kind { kNone, kRowsI8, kRowsI4, kBlocks32I8 };

Kind kind_of(const LinearIntArgs& a) {
  if (a.k == 0) return Kind::kNone;
  if (a.group == 0) {
    if (a.int4) return a.k % 128 == 0 ? Kind::kRowsI4 : Kind::kNone;
    return a.k % 64 == 0 ? Kind::kRowsI8 : Kind::kNone;
  }
  if (a.group == 32 && !a.int4 && a.k % 512 == 0) return Kind::kBlocks32I8;
  return Kind::kNone;
}

}  // namespace

std::size_t tile_columns(const LinearIntArgs& a) noexcept {
  switch (kind_of(a)) {
    case Kind::kRowsI8: case Kind::kRowsI4: return 8;
    case Kind::kBlocks32I8: return 16;
    case Kind::kNone: break;
  }
  return 0;
}

void run(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept {
  const Kind kind = kind_of(a);
  const std::size_t blocks = kind == Kind::kBlocks32I8 ? a.k / 32 : 1;
  // Prepared rows (64-aligned) and their sums, in per-thread buffers that grow once.
  thread_local std::vector<std::uint8_t> xbuf;
  thread_local std::vector<std::int32_t> sums;
  thread_local std::vector<float> tiles;  // blocks32_i8's product tile and its transpose
  if (kind == Kind::kBlocks32I8 && tiles.size() < blocks * 32 + 16) tiles.resize(blocks * 32 + 16);
  auto* prod = reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(tiles.data()) + 63) & ~std::uintptr_t{63});
  if (xbuf.size() < a.m * a.k + 64) xbuf.resize(a.m * a.k + 64);
  if (sums.size() < a.m * blocks) sums.resize(a.m * blocks);
  auto* xb = reinterpret_cast<std::uint8_t*>((reinterpret_cast<std::uintptr_t>(xbuf.data()) + 63) & ~std::uintptr_t{63});
  for (std::size_t r = 0; r < a.m; ++r) {
    const std::int8_t* x = a.in + r * a.k;
    std::uint8_t* p = xb + r * a.k;
    if (kind == Kind::kRowsI4) {
      for (std::size_t c = 0; c < a.k; c += 128)
        for (std::size_t i = 0; i < 64; ++i) {
          p[c + i] = static_cast<std::uint8_t>(x[c + 2 * i]);
          p[c + 64 + i] = static_cast<std::uint8_t>(x[c + 2 * i + 1]);
        }
    } else {
      for (std::size_t i = 0; i < a.k; ++i) p[i] = static_cast<std::uint8_t>(x[i]);
    }
    const std::size_t per = a.k / blocks;
    for (std::size_t b = 0; b < blocks; ++b) {
      std::uint32_t s = 0;
      for (std::size_t i = b * per; i < (b + 1) * per; ++i) s += static_cast<std::uint32_t>(static_cast<std::int32_t>(x[i]));
      sums[r * blocks + b] = static_cast<std::int32_t>(s);
    }
  }
  const std::size_t step = tile_columns(a);
  // Columns outer, rows inner: a tile's weights stay in cache across the rows of a prefill.
  for (std::size_t col0 = n0; col0 + step <= n1; col0 += step)
    for (std::size_t r = 0; r < a.m; ++r) {
      const std::uint8_t* x = xb + r * a.k;
      float* out = a.out + r * a.n;
      switch (kind) {
        case Kind::kRowsI8: rows8<false>(x, sums[r], a, col0, out); break;
        case Kind::kRowsI4: rows8<true>(x, sums[r], a, col0, out); break;
        case Kind::kBlocks32I8: blocks32_i8(x, sums.data() + r * blocks, a, col0, out, prod, prod + blocks * 16); break;
        case Kind::kNone: break;
      }
    }
}

}  // namespace npu::sim::kernels::zmm

#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else  // not x86-64: no zmm kernels

namespace npu::sim::kernels::zmm {
std::size_t tile_columns(const LinearIntArgs&) noexcept { return 0; }
void run(const LinearIntArgs&, std::size_t, std::size_t) noexcept {}
}  // namespace npu::sim::kernels::zmm

#endif
