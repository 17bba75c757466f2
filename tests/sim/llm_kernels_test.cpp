// The LLM kernels against the numerics of npu_abi/program.hpp written out plainly here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "llm_kernels.hpp"
#include "npu_abi/kv_cache.hpp"
#include "npu_abi/operand_sizes.hpp"

namespace npu::sim {
namespace {

std::vector<float> randf(std::size_t n, std::mt19937& rng, float lo = -2.0f, float hi = 2.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(LlmKernels, HalfConversionsRoundTripAndRoundToNearestEven) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto hv = static_cast<std::uint16_t>(h);
    const float f = half_to_float(hv);
    if (std::isnan(f)) continue;
    EXPECT_EQ(float_to_half(f), hv) << std::hex << h;
  }
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);         // tie -> even (down)
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);     // tie -> even (up)
  EXPECT_EQ(float_to_half(70000.0f), 0x7c00);                // overflow -> inf
  EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
}

TEST(LlmKernels, EmbedDequantizesAndRefusesBadIds) {
  const std::int8_t table[6] = {1, -2, 3, 4, 5, -6};  // V=3, D=2
  const float scales[3] = {0.5f, 2.0f, -1.0f};
  const std::int32_t ids[2] = {2, 0};
  float out[4];
  ASSERT_TRUE(embed(ids, table, TableType::kI8, scales, out, 2, 2, 3));
  EXPECT_EQ(out[0], -5.0f);
  EXPECT_EQ(out[1], 6.0f);
  EXPECT_EQ(out[2], 0.5f);
  EXPECT_EQ(out[3], -1.0f);
  const std::int32_t bad[1] = {3};
  EXPECT_FALSE(embed(bad, table, TableType::kI8, scales, out, 1, 2, 3));
}

TEST(LlmKernels, RmsNormQuantizeSwigluAddArgmax) {
  std::mt19937 rng(3);
  const std::size_t rows = 3, width = 37;
  auto x = randf(rows * width, rng), w = randf(width, rng), u = randf(rows * width, rng);
  std::vector<float> out(rows * width);
  rms_norm(x.data(), w.data(), out.data(), rows, width, 1e-5f);
  for (std::size_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (std::size_t i = 0; i < width; ++i) ss = ss + (double)x[r * width + i] * (double)x[r * width + i];
    float inv = (float)(1.0 / std::sqrt(ss / width + (double)1e-5f));
    for (std::size_t i = 0; i < width; ++i) {
      volatile float t = x[r * width + i] * inv;
      EXPECT_EQ(out[r * width + i], t * w[i]);
    }
  }
  std::vector<std::int8_t> q(rows * width);
  quantize(x.data(), q.data(), q.size(), 100.0f);
  for (std::size_t i = 0; i < q.size(); ++i)
    EXPECT_EQ(q[i], (std::int8_t)std::clamp(std::nearbyint(x[i] * 100.0f), -127.0f, 127.0f));
  swiglu(x.data(), u.data(), out.data(), out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    volatile float g = x[i] / (1.0f + std::exp(-x[i]));
    EXPECT_EQ(out[i], g * u[i]);
  }
  add(x.data(), w.data(), out.data(), rows, width, true);
  EXPECT_EQ(out[width + 5], x[width + 5] + w[5]);
  const float am[8] = {1.0f, NAN, 3.0f, 3.0f, -1.0f, NAN, NAN, NAN};
  std::int32_t idx[2];
  argmax(am, idx, 2, 4);
  EXPECT_EQ(idx[0], 2);  // lowest index on ties, NaN never wins
  EXPECT_EQ(idx[1], 0);
}

TEST(LlmKernels, LinearIntPerRowAndGrouped) {
  std::mt19937 rng(11);
  const std::size_t m = 2, k = 64, n = 3, g = 16;
  std::vector<std::int8_t> x(m * k), w(n * k);
  for (auto& v : x) v = (std::int8_t)(rng() % 255 - 127);
  for (auto& v : w) v = (std::int8_t)(rng() % 15 - 7);  // fits in int4
  auto s_row = randf(n, rng, 0.01f, 0.1f), s_grp = randf(n * k / g, rng, 0.01f, 0.1f);
  std::vector<float> out(m * n);
  linear_int(x.data(), reinterpret_cast<const std::uint8_t*>(w.data()), false, s_row.data(), out.data(), m, k, n, 0, 0.25f);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      std::int32_t acc = 0;
      for (std::size_t kk = 0; kk < k; ++kk) acc += x[i * k + kk] * w[j * k + kk];
      volatile float sc = 0.25f * s_row[j];
      EXPECT_EQ(out[i * n + j], (float)acc * sc);
    }
  // Same weights packed as int4, grouped scales.
  std::vector<std::uint8_t> packed(n * k / 2);
  for (std::size_t i = 0; i < packed.size(); ++i)
    packed[i] = (std::uint8_t)((w[2 * i] & 0xf) | ((w[2 * i + 1] & 0xf) << 4));
  linear_int(x.data(), packed.data(), true, s_grp.data(), out.data(), m, k, n, g, 0.5f);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      float t = 0.0f;
      for (std::size_t b = 0; b < k / g; ++b) {
        std::int32_t acc = 0;
        for (std::size_t kk = b * g; kk < (b + 1) * g; ++kk) acc += x[i * k + kk] * w[j * k + kk];
        volatile float p = (float)acc * s_grp[j * (k / g) + b];
        t = t + p;
      }
      EXPECT_EQ(out[i * n + j], t * 0.5f);
    }
}

TEST(LlmKernels, ShortConvCarriesStateAcrossRuns) {
  std::mt19937 rng(5);
  const std::size_t d = 4, l = 3, rows = 5;
  auto in = randf(rows * 3 * d, rng), w = randf(d * l, rng);
  // One run of 5 rows == a run of 2 rows then 3 rows with the state carried.
  std::vector<float> state(2 * d, 0.0f), out_all(rows * d);
  short_conv(in.data(), w.data(), state.data(), out_all.data(), rows, d, l);
  std::vector<float> state2(2 * d, 0.0f), out_a(2 * d), out_b(3 * d);
  short_conv(in.data(), w.data(), state2.data(), out_a.data(), 2, d, l);
  short_conv(in.data() + 2 * 3 * d, w.data(), state2.data(), out_b.data(), 3, d, l);
  for (std::size_t i = 0; i < 2 * d; ++i) EXPECT_EQ(out_a[i], out_all[i]);
  for (std::size_t i = 0; i < 3 * d; ++i) EXPECT_EQ(out_b[i], out_all[2 * d + i]);
  EXPECT_EQ(state2, state);
  // Row 0 with zero state: only the last tap sees data.
  volatile float bx = in[0] * in[2 * d];
  volatile float y = 0.0f + w[l - 1] * bx;
  EXPECT_EQ(out_all[0], in[d] * y);
}

TEST(LlmKernels, RopeKvAppendAttention) {
  std::mt19937 rng(8);
  const std::size_t heads = 4, kvh = 2, hd = 8, cap = 6;
  auto q = randf(heads * hd, rng);
  auto rq = q;
  rope(rq.data(), 1, heads, hd, 10000.0f, nullptr, 3);
  {
    const double f = std::pow(10000.0, -2.0 * 1 / 8), ang = 3 * f;
    const float c = (float)std::cos(ang), s = (float)std::sin(ang);
    volatile float a = q[1] * c, b = q[5] * s;
    EXPECT_EQ(rq[1], a - b);
  }
  std::vector<float> cache(2 * cap * kvh * hd, 0.0f);
  std::vector<std::vector<float>> ks, vs;
  for (std::int64_t p = 0; p < 3; ++p) {
    ks.push_back(randf(kvh * hd, rng));
    vs.push_back(randf(kvh * hd, rng));
    ASSERT_TRUE(kv_append(ks.back().data(), vs.back().data(), cache.data(), TableType::kF32, 1, kvh, hd, cap, p));
  }
  EXPECT_FALSE(kv_append(ks[0].data(), vs[0].data(), cache.data(), TableType::kF32, 1, kvh, hd, cap, 6));
  std::vector<float> out(heads * hd);
  ASSERT_TRUE(attention(q.data(), cache.data(), TableType::kF32, out.data(), 1, heads, kvh, hd, cap, 2, 0.35f));
  for (std::size_t h = 0; h < heads; ++h) {
    const std::size_t g = h / 2;
    double sc[3], m = -INFINITY;
    for (int j = 0; j < 3; ++j) {
      double dot = 0;
      for (std::size_t i = 0; i < hd; ++i) dot += (double)q[h * hd + i] * (double)ks[j][g * hd + i];
      sc[j] = dot * (double)0.35f;
      m = std::max(m, sc[j]);
    }
    double den = 0, e[3];
    for (int j = 0; j < 3; ++j) den += (e[j] = std::exp(sc[j] - m));
    for (std::size_t i = 0; i < hd; ++i) {
      double num = 0;
      for (int j = 0; j < 3; ++j) num += e[j] * (double)vs[j][g * hd + i];
      EXPECT_EQ(out[h * hd + i], (float)(num / den));
    }
  }
  EXPECT_FALSE(attention(q.data(), cache.data(), TableType::kF32, out.data(), 1, heads, kvh, hd, cap, 6, 0.35f));
}

// The int8 KV cache (ABI 1.5, npu_abi/kv_cache.hpp): each position's head is quantized on its own
// (s = max|x| / 127, q = x / s rounded to nearest), the scales follow K and V, and attention reads
// q * s in double.
TEST(LlmKernels, Int8KvCacheQuantizesEachPositionsHeadOnItsOwn) {
  const std::size_t kvh = 2, hd = 4, cap = 3, heads = 4;
  std::vector<std::byte> cache(abi::kv_cache_bytes(static_cast<std::uint8_t>(abi::DType::kI8), cap, kvh, hd));
  ASSERT_EQ(cache.size(), 2 * cap * kvh * hd + 2 * cap * kvh * 4);  // 48 data + 48 scale bytes
  // Position 0: K head 0 has max |x| 2 (s = 2/127), head 1 is all zero; V head 0 has max 0.5.
  const std::vector<float> k0{1.0f, -2.0f, 0.1f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<float> v0{0.5f, -0.3f, 0.2f, 0.05f, 4.0f, 4.0f, -4.0f, 1.0f};
  ASSERT_TRUE(kv_append(k0.data(), v0.data(), cache.data(), TableType::kI8, 1, kvh, hd, cap, 0));
  const auto* q8 = reinterpret_cast<const std::int8_t*>(cache.data());
  const auto* scales = reinterpret_cast<const float*>(cache.data() + abi::kv_int8_scales_offset(cap, kvh, hd));
  EXPECT_EQ(scales[0], 2.0f / 127.0f);            // K, position 0, head 0
  EXPECT_EQ(scales[1], 0.0f);                     // K, position 0, head 1 (all zero)
  EXPECT_EQ(scales[cap * kvh + 0], 0.5f / 127.0f);  // V, position 0, head 0
  EXPECT_EQ(scales[cap * kvh + 1], 4.0f / 127.0f);
  const std::int8_t want_k[] = {64, -127, 6, 0, 0, 0, 0, 0};  // 63.5 rounds to even, 6.35 to 6
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(q8[i], want_k[i]) << i;
  const std::int8_t want_v[] = {127, -76, 51, 13, 127, 127, -127, 32};  // -76.2, 50.8, 12.7, 31.75
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(q8[cap * kvh * hd + i], want_v[i]) << i;
  EXPECT_FALSE(kv_append(k0.data(), v0.data(), cache.data(), TableType::kI8, 1, kvh, hd, cap, 3));
  // Two more positions, then attention over the three against the plain numerics on q * s.
  std::mt19937 rng(5);
  for (std::int64_t p = 1; p < 3; ++p) {
    const auto k = randf(kvh * hd, rng), v = randf(kvh * hd, rng);
    ASSERT_TRUE(kv_append(k.data(), v.data(), cache.data(), TableType::kI8, 1, kvh, hd, cap, p));
  }
  const auto value = [&](std::size_t i) { return abi::kv_value(q8[i], scales[i / hd]); };
  const auto q = randf(heads * hd, rng);
  std::vector<float> out(heads * hd);
  ASSERT_TRUE(attention(q.data(), cache.data(), TableType::kI8, out.data(), 1, heads, kvh, hd, cap, 2, 0.5f));
  for (std::size_t h = 0; h < heads; ++h) {
    const std::size_t g = h / 2;
    double sc[3], m = -INFINITY, den = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      double dot = 0;
      for (std::size_t i = 0; i < hd; ++i) dot += (double)q[h * hd + i] * value((j * kvh + g) * hd + i);
      m = std::max(m, sc[j] = dot * 0.5);
    }
    for (double& x : sc) den += (x = std::exp(x - m));
    for (std::size_t i = 0; i < hd; ++i) {
      double num = 0;
      for (std::size_t j = 0; j < 3; ++j) num += sc[j] * value(((cap + j) * kvh + g) * hd + i);
      EXPECT_EQ(out[h * hd + i], (float)(num / den)) << h << " " << i;
    }
  }
}

// The attention numerics of npu_abi/program.hpp written out plainly: per row and head, dot in
// order of i, den and num[i] in order of j, all in double.
std::vector<float> plain_attention(const std::vector<float>& q, const std::vector<std::uint16_t>& h16,
                                   const std::vector<float>& f32, bool f16, std::size_t rows, std::size_t heads,
                                   std::size_t kvh, std::size_t hd, std::size_t cap, std::size_t position, float scale) {
  const std::size_t row = kvh * hd;
  auto at = [&](std::size_t i) { return f16 ? (double)half_to_float(h16[i]) : (double)f32[i]; };
  std::vector<float> out(rows * heads * hd);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t npos = position + r + 1;
    for (std::size_t h = 0; h < heads; ++h) {
      const std::size_t g = h / (heads / kvh);
      std::vector<double> sc(npos);
      double m = -INFINITY;
      for (std::size_t j = 0; j < npos; ++j) {
        double dot = 0;
        for (std::size_t i = 0; i < hd; ++i) dot += (double)q[(r * heads + h) * hd + i] * at(j * row + g * hd + i);
        sc[j] = dot * (double)scale;
        m = std::max(m, sc[j]);
      }
      double den = 0;
      for (std::size_t j = 0; j < npos; ++j) den += (sc[j] = std::exp(sc[j] - m));
      for (std::size_t i = 0; i < hd; ++i) {
        double num = 0;
        for (std::size_t j = 0; j < npos; ++j) num += sc[j] * at(cap * row + j * row + g * hd + i);
        out[(r * heads + h) * hd + i] = (float)(num / den);
      }
    }
  }
  return out;
}

TEST(LlmKernels, AttentionMatchesThePlainNumericsOverLongCachesAndPrefillRows) {
  // Shapes that exercise the eight-position passes and their tails, head dims with and without
  // a remainder of four, GQA groups, several prefill rows (each seeing one more position).
  struct Shape {
    std::size_t rows, heads, kvh, hd, cap, position;
  };
  const Shape shapes[] = {{3, 8, 2, 18, 64, 29}, {1, 4, 4, 64, 48, 40}, {5, 6, 3, 8, 16, 0}, {2, 2, 1, 5, 40, 16}};
  std::mt19937 rng(11);
  for (const Shape& s : shapes) {
    for (bool f16 : {false, true}) {
      const std::size_t n = 2 * s.cap * s.kvh * s.hd;
      const auto f32 = randf(n, rng, -3.0f, 3.0f);
      std::vector<std::uint16_t> h16(n);
      for (std::size_t i = 0; i < n; ++i) h16[i] = float_to_half(f32[i]);
      const auto q = randf(s.rows * s.heads * s.hd, rng);
      std::vector<float> out(q.size(), -1.0f);
      const void* cache = f16 ? static_cast<const void*>(h16.data()) : static_cast<const void*>(f32.data());
      ASSERT_TRUE(attention(q.data(), cache, f16 ? TableType::kF16 : TableType::kF32, out.data(), s.rows, s.heads, s.kvh, s.hd, s.cap,
                            static_cast<std::int64_t>(s.position), 0.125f));
      const auto ref = plain_attention(q, h16, f32, f16, s.rows, s.heads, s.kvh, s.hd, s.cap, s.position, 0.125f);
      EXPECT_EQ(std::memcmp(out.data(), ref.data(), ref.size() * sizeof(float)), 0)
          << "hd " << s.hd << " position " << s.position << " rows " << s.rows << " f16 " << f16;
    }
  }
  // A row past the cache is refused, whatever the earlier rows.
  std::vector<float> q(2 * 4 * 8, 0.5f), cache(2 * 4 * 2 * 8, 0.25f), out(q.size());
  EXPECT_FALSE(attention(q.data(), cache.data(), TableType::kF32, out.data(), 2, 4, 2, 8, 4, 3, 1.0f));
}

}  // namespace
}  // namespace npu::sim
