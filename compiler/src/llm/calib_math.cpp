// The calibration pass's float matrix product: every calibration token against one weight matrix
// at once (each weight row is read once per layer, not once per token), tiles of 4 output rows x
// 8 float lanes that GCC vectorizes, output rows split across the cores. Float accumulation
// order differs from the double-precision reference (reference_math.hpp); calibration only needs
// activation ranges, and the oracle tests keep using the exact double path.
#include <algorithm>
#include <cstring>

#include "../emu/parallel.hpp"
#include "llm_internal.hpp"

namespace npu::compiler::llm::detail {
namespace {

constexpr std::size_t kTile = 4, kLanes = 8;
using F32x4 = float __attribute__((vector_size(16)));  // GCC vector type: packed float math

F32x4 load4(const float* p) {
  F32x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// out[t * ldo + r] for r in [n0, n0 + kTile): the dot products of 4 weight rows with token t.
void tile4(const float* w, std::size_t k, const float* x, std::size_t tokens, float* out, std::size_t ldo) {
  for (std::size_t t = 0; t < tokens; ++t) {
    const float* xt = x + t * k;
    F32x4 acc[kTile][2] = {};
    std::size_t i = 0;
    for (; i + kLanes <= k; i += kLanes) {
      const F32x4 x0 = load4(xt + i), x1 = load4(xt + i + 4);
      for (std::size_t r = 0; r < kTile; ++r) {
        acc[r][0] += load4(w + r * k + i) * x0;
        acc[r][1] += load4(w + r * k + i + 4) * x1;
      }
    }
    for (std::size_t r = 0; r < kTile; ++r) {
      float sum = 0.0f;
      for (std::size_t ii = i; ii < k; ++ii) sum += w[r * k + ii] * xt[ii];
      for (std::size_t j = 0; j < 4; ++j) sum += acc[r][0][j] + acc[r][1][j];
      out[t * ldo + r] = sum;
    }
  }
}

void single_row(const float* w, std::size_t k, const float* x, std::size_t tokens, float* out, std::size_t ldo) {
  for (std::size_t t = 0; t < tokens; ++t) {
    const float* xt = x + t * k;
    float acc[kLanes] = {};
    std::size_t i = 0;
    for (; i + kLanes <= k; i += kLanes)
      for (std::size_t j = 0; j < kLanes; ++j) acc[j] += w[i + j] * xt[i + j];
    float sum = 0.0f;
    for (; i < k; ++i) sum += w[i] * xt[i];
    for (float a : acc) sum += a;
    out[t * ldo] = sum;
  }
}

}  // namespace

void matmul_tokens(std::span<const float> w, std::size_t n, std::size_t k, std::span<const float> x,
                   std::size_t tokens, std::span<float> out) {
  const std::size_t tiles = (n + kTile - 1) / kTile;
  compiler::detail::parallel_rows(tiles, n * k * tokens, [&](std::size_t begin, std::size_t end) {
    for (std::size_t tile = begin; tile < end; ++tile) {
      const std::size_t r0 = tile * kTile;
      if (r0 + kTile <= n) {
        tile4(w.data() + r0 * k, k, x.data(), tokens, out.data() + r0, n);
      } else {
        for (std::size_t r = r0; r < n; ++r) single_row(w.data() + r * k, k, x.data(), tokens, out.data() + r, n);
      }
    }
  });
}

}  // namespace npu::compiler::llm::detail
