#include "llm_kernels.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm_i8.hpp"
#include "kernels/linear_int.hpp"
#include "npu_abi/kv_cache.hpp"

namespace npu::sim {

float half_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  if (exp == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
  // Subnormal half: mant * 2^-24, exact in float.
  const float v = static_cast<float>(mant) * 0x1p-24f;
  return sign ? -v : v;
}

std::uint16_t float_to_half(float f) noexcept {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0u);  // inf / NaN
  if (ax >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: overflow to inf
  if (ax < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    const float a = std::bit_cast<float>(ax);
    return sign | static_cast<std::uint16_t>(std::nearbyint(a * 0x1p24f));  // ties to even
  }
  std::uint32_t r = ax - 0x38000000u;  // rebias exponent 127 -> 15
  r += 0xfffu + ((r >> 13) & 1u);      // round to nearest even at bit 13
  return sign | static_cast<std::uint16_t>(r >> 13);
}

float bf16_to_float(std::uint16_t b) noexcept { return std::bit_cast<float>(std::uint32_t{b} << 16); }

namespace {

float load(const void* base, TableType type, std::size_t i) noexcept {
  switch (type) {
    case TableType::kF32: {
      float f;
      std::memcpy(&f, static_cast<const std::byte*>(base) + 4 * i, 4);
      return f;
    }
    case TableType::kF16: case TableType::kBF16: {
      std::uint16_t h;
      std::memcpy(&h, static_cast<const std::byte*>(base) + 2 * i, 2);
      return type == TableType::kF16 ? half_to_float(h) : bf16_to_float(h);
    }
    case TableType::kI8: return static_cast<float>(static_cast<const std::int8_t*>(base)[i]);
  }
  return 0.0f;
}

}  // namespace

bool embed(const std::int32_t* ids, const void* table, TableType type, const float* scales, float* out,
           std::size_t rows, std::size_t d, std::size_t v) noexcept {
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int32_t id = ids[r];
    if (id < 0 || static_cast<std::size_t>(id) >= v) return false;
    const std::size_t base = static_cast<std::size_t>(id) * d;
    for (std::size_t i = 0; i < d; ++i) {
      const float x = load(table, type, base + i);
      out[r * d + i] = type == TableType::kI8 ? x * scales[id] : x;
    }
  }
  return true;
}

void rms_norm(const float* in, const float* weight, float* out, std::size_t rows, std::size_t width, float eps) noexcept {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* x = in + r * width;
    double ss = 0.0;
    for (std::size_t i = 0; i < width; ++i) ss += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(width) + static_cast<double>(eps)));
    for (std::size_t i = 0; i < width; ++i) out[r * width + i] = (x[i] * inv) * weight[i];
  }
}

void quantize(const float* in, std::int8_t* out, std::size_t count, float inv_scale) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    float q = std::nearbyint(in[i] * inv_scale);
    if (std::isnan(q)) q = 0.0f;
    q = q < -127.0f ? -127.0f : (q > 127.0f ? 127.0f : q);
    out[i] = static_cast<std::int8_t>(q);
  }
}

void linear_int(const std::int8_t* in, const std::uint8_t* w, bool int4, const float* scales, float* out,
                std::size_t m, std::size_t k, std::size_t n, std::size_t group, float act_scale) noexcept {
  const kernels::LinearIntArgs args{in, w, int4, scales, out, m, k, n, group, act_scale};
  kernels::linear_int_parallel(kernels::best_isa(), args);
}

void linear_float(const float* in, const void* w, TableType type, float* out, std::size_t m, std::size_t k,
                  std::size_t n) noexcept {
  std::vector<float> wrow(k);
  for (std::size_t col = 0; col < n; ++col) {
    for (std::size_t i = 0; i < k; ++i) wrow[i] = load(w, type, col * k + i);
    for (std::size_t row = 0; row < m; ++row) {
      float acc = 0.0f;
      for (std::size_t i = 0; i < k; ++i) acc += in[row * k + i] * wrow[i];
      out[row * n + col] = acc;
    }
  }
}

void short_conv(const float* in, const float* w, float* state, float* out, std::size_t rows, std::size_t d,
                std::size_t l) noexcept {
  // hist = state rows (oldest first) followed by this run's bx rows.
  std::vector<float> hist((l - 1 + rows) * d);
  std::memcpy(hist.data(), state, (l - 1) * d * sizeof(float));
  for (std::size_t t = 0; t < rows; ++t)
    for (std::size_t c = 0; c < d; ++c) hist[(l - 1 + t) * d + c] = in[t * 3 * d + c] * in[t * 3 * d + 2 * d + c];
  for (std::size_t t = 0; t < rows; ++t)
    for (std::size_t c = 0; c < d; ++c) {
      float y = 0.0f;
      for (std::size_t j = 0; j < l; ++j) y += w[c * l + j] * hist[(t + j) * d + c];
      out[t * d + c] = in[t * 3 * d + d + c] * y;
    }
  std::memcpy(state, hist.data() + rows * d, (l - 1) * d * sizeof(float));
}

void rope(float* data, std::size_t rows, std::size_t heads, std::size_t hd, float theta, const float* freqs,
          std::int64_t position) noexcept {
  const std::size_t half = hd / 2;
  for (std::size_t r = 0; r < rows; ++r) {
    const double p = static_cast<double>(position + static_cast<std::int64_t>(r));
    for (std::size_t i = 0; i < half; ++i) {
      const double f = freqs != nullptr ? static_cast<double>(freqs[i])
                                        : std::pow(static_cast<double>(theta), -2.0 * static_cast<double>(i) / static_cast<double>(hd));
      const double ang = p * f;
      const float c = static_cast<float>(std::cos(ang)), s = static_cast<float>(std::sin(ang));
      for (std::size_t h = 0; h < heads; ++h) {
        float* x = data + (r * heads + h) * hd;
        const float x0 = x[i], x1 = x[i + half];
        x[i] = x0 * c - x1 * s;
        x[i + half] = x0 * s + x1 * c;
      }
    }
  }
}

bool kv_append(const float* k, const float* v, void* cache, TableType type, std::size_t rows, std::size_t kvh,
               std::size_t hd, std::size_t cap, std::int64_t position) noexcept {
  const std::size_t row = kvh * hd;
  auto* i8 = static_cast<std::int8_t*>(cache);
  auto* scales = reinterpret_cast<float*>(i8 + abi::kv_int8_scales_offset(cap, kvh, hd));
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int64_t p = position + static_cast<std::int64_t>(r);
    if (p < 0 || static_cast<std::uint64_t>(p) >= cap) return false;
    const std::size_t ki = static_cast<std::size_t>(p) * row, vi = cap * row + ki;
    if (type == TableType::kI8) {
      for (std::size_t g = 0; g < kvh; ++g) {
        scales[(ki + g * hd) / hd] = abi::kv_quantize(k + r * row + g * hd, hd, i8 + ki + g * hd);
        scales[(vi + g * hd) / hd] = abi::kv_quantize(v + r * row + g * hd, hd, i8 + vi + g * hd);
      }
      continue;
    }
    for (std::size_t i = 0; i < row; ++i) {
      if (type == TableType::kF16) {
        static_cast<std::uint16_t*>(cache)[ki + i] = float_to_half(k[r * row + i]);
        static_cast<std::uint16_t*>(cache)[vi + i] = float_to_half(v[r * row + i]);
      } else {
        static_cast<float*>(cache)[ki + i] = k[r * row + i];
        static_cast<float*>(cache)[vi + i] = v[r * row + i];
      }
    }
  }
  return true;
}

namespace {

// Two doubles: the SIMD width every target has (SSE2, NEON). Lane-wise, so each lane's
// additions keep the reference order exactly (no contraction: the build uses -ffp-contract=off).
using V2d = double __attribute__((vector_size(16)));

inline V2d load2(const double* p) noexcept {
  V2d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store2(double* p, V2d v) noexcept { std::memcpy(p, &v, sizeof v); }

// Scores of one head over positions [0, npos): score[j] = (sum_i q[i] * K[j][i], in order of i)
// * scale, with kt the group's keys transposed (kt[i * stride + j]); eight positions per pass.
void head_scores(const double* q, const double* kt, std::size_t stride, std::size_t hd, std::size_t npos,
                 double scale, double* score) noexcept {
  std::size_t j = 0;
  for (; j + 8 <= npos; j += 8) {
    V2d a[4] = {};
    for (std::size_t i = 0; i < hd; ++i)
      for (int u = 0; u < 4; ++u) a[u] = a[u] + q[i] * load2(kt + i * stride + j + 2 * static_cast<std::size_t>(u));
    for (int u = 0; u < 4; ++u) store2(score + j + 2 * static_cast<std::size_t>(u), a[u] * scale);
  }
  for (; j < npos; ++j) {
    double dot = 0.0;
    for (std::size_t i = 0; i < hd; ++i) dot += q[i] * kt[i * stride + j];
    score[j] = dot * scale;
  }
}

}  // namespace

bool attention(const float* q, const void* cache, TableType type, float* out, std::size_t rows, std::size_t heads,
               std::size_t kvh, std::size_t hd, std::size_t cap, std::int64_t position, float scale) noexcept {
  const std::size_t row = kvh * hd, group = heads / kvh;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int64_t p = position + static_cast<std::int64_t>(r);
    if (p < 0 || static_cast<std::uint64_t>(p) >= cap) return false;
  }
  if (rows == 0) return true;
  // Every position any row reads, converted once: keys transposed per (group, i) so a pass over
  // i covers eight positions, values as rows. The numerics are the reference's: per output,
  // dot = sum over i in order, den and num[i] summed over j in order, all in double.
  const std::size_t total = static_cast<std::size_t>(position) + rows;
  thread_local std::vector<double> kt, vd, score, num, qd;
  kt.resize(row * total);
  vd.resize(total * row);
  score.resize(total);
  num.resize(hd);
  qd.resize(hd);
  // Eight positions at a time, so the transposed keys are written a cache line at a time.
  const auto convert = [&](auto&& at) {
    for (std::size_t j0 = 0; j0 < total; j0 += 8) {
      const std::size_t j1 = std::min(total, j0 + 8);
      for (std::size_t c = 0; c < row; ++c)
        for (std::size_t j = j0; j < j1; ++j) kt[c * total + j] = at(j * row + c);
      for (std::size_t j = j0; j < j1; ++j)
        for (std::size_t c = 0; c < row; ++c) vd[j * row + c] = at(cap * row + j * row + c);
    }
  };
  if (type == TableType::kI8) {
    const auto* q8 = static_cast<const std::int8_t*>(cache);
    const auto* s = reinterpret_cast<const float*>(q8 + abi::kv_int8_scales_offset(cap, kvh, hd));
    convert([q8, s, hd](std::size_t i) { return abi::kv_value(q8[i], s[i / hd]); });
  } else if (type == TableType::kF16) {
    const auto* h = static_cast<const std::uint16_t*>(cache);
    convert([h](std::size_t i) { return static_cast<double>(half_to_float(h[i])); });
  } else {
    const auto* f = static_cast<const float*>(cache);
    convert([f](std::size_t i) { return static_cast<double>(f[i]); });
  }
  double* const sc = score.data();
  double* const nm = num.data();
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t npos = static_cast<std::size_t>(position) + r + 1;
    for (std::size_t h = 0; h < heads; ++h) {
      const std::size_t g = h / group;
      const float* qv = q + (r * heads + h) * hd;
      for (std::size_t i = 0; i < hd; ++i) qd[i] = static_cast<double>(qv[i]);
      head_scores(qd.data(), kt.data() + g * hd * total, total, hd, npos, static_cast<double>(scale), sc);
      double m = -INFINITY;
      for (std::size_t j = 0; j < npos; ++j)
        if (sc[j] > m) m = sc[j];
      double den = 0.0;
      for (std::size_t j = 0; j < npos; ++j) den += (sc[j] = std::exp(sc[j] - m));
      // num[i] = sum over j in order of e_j * V[j][i]; eight i per pass, held in registers.
      const double* v = vd.data() + g * hd;
      std::size_t i0 = 0;
      for (; i0 + 8 <= hd; i0 += 8) {
        V2d a[4] = {};
        for (std::size_t j = 0; j < npos; ++j)
          for (int u = 0; u < 4; ++u) a[u] = a[u] + sc[j] * load2(v + j * row + i0 + 2 * static_cast<std::size_t>(u));
        for (int u = 0; u < 4; ++u) store2(nm + i0 + 2 * static_cast<std::size_t>(u), a[u]);
      }
      for (; i0 < hd; ++i0) {
        double acc = 0.0;
        for (std::size_t j = 0; j < npos; ++j) acc += sc[j] * v[j * row + i0];
        nm[i0] = acc;
      }
      for (std::size_t i = 0; i < hd; ++i) out[(r * heads + h) * hd + i] = static_cast<float>(nm[i] / den);
    }
  }
  return true;
}

void swiglu(const float* gate, const float* up, float* out, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    const float g = gate[i];
    out[i] = (g / (1.0f + std::exp(-g))) * up[i];
  }
}

void gelu_glu(const float* gate, const float* up, float* out, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    const float g = gate[i];
    out[i] = (0.5f * g * (1.0f + std::tanh(0.7978845608f * (g + 0.044715f * g * g * g)))) * up[i];
  }
}

void add(const float* a, const float* b, float* out, std::size_t rows, std::size_t width, bool broadcast) noexcept {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < width; ++i) out[r * width + i] = a[r * width + i] + b[(broadcast ? 0 : r) * width + i];
}

void argmax(const float* in, std::int32_t* out, std::size_t rows, std::size_t width) noexcept {
  for (std::size_t r = 0; r < rows; ++r) {
    std::int32_t best = -1;
    float bv = 0.0f;
    for (std::size_t i = 0; i < width; ++i) {
      const float x = in[r * width + i];
      if (!std::isnan(x) && (best < 0 || x > bv)) best = static_cast<std::int32_t>(i), bv = x;
    }
    out[r] = best < 0 ? 0 : best;
  }
}

}  // namespace npu::sim
