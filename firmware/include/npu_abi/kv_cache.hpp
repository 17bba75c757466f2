// The KV cache's int8 storage (kKvAppend / kAttention operand 2 of dtype I8, ABI 1.5 "op.kv_int8"),
// written once for every executor of the ABI: the simulated device and the compiler's emulation.
//
// Layout of a cache of `capacity` positions, kv_heads heads of head_dim: K I8 [capacity][kvh][hd],
// V I8 [capacity][kvh][hd], then the scales: K F32 [capacity][kvh], V F32 [capacity][kvh]. Element
// e of the K/V part (e = ((kv * capacity + p) * kvh + g) * hd + i) has its scale at index e / hd of
// the scales.
//
// Each vector of head_dim values one position writes for one KV head (K and V apart) is quantized
// on its own, when kKvAppend writes it: s = (max_i |x_i|) / 127 (float), q_i = x_i / s (float)
// clamped to [-127, 127] (NaN to -127) and rounded to nearest even; s = 0 and every q_i = 0 when
// the vector is all zero. Its value is (double)q_i * (double)s, exact in double. One scale per
// cached token and KV head follows each token's own range (no calibration can go stale), costs
// hd / 4 times less than the data, and is what a dataflow device can compute on the K/V
// projections' output stream: one max-reduction and one multiply per element.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace npu::abi {

// Quantizes the n values at x into q; returns their scale.
[[nodiscard]] inline float kv_quantize(const float* x, std::size_t n, std::int8_t* q) noexcept {
  float amax = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a > amax) amax = a;
  }
  const float s = amax / 127.0f;
  for (std::size_t i = 0; i < n; ++i) {
    float t = s == 0.0f ? 0.0f : x[i] / s;
    t = t > 127.0f ? 127.0f : (t >= -127.0f ? t : -127.0f);
    q[i] = static_cast<std::int8_t>(std::nearbyint(t));
  }
  return s;
}

// The value of a stored element.
[[nodiscard]] constexpr double kv_value(std::int8_t q, float scale) noexcept {
  return static_cast<double>(q) * static_cast<double>(scale);
}

// Byte offset of the scales within an I8 cache of `capacity` positions.
[[nodiscard]] constexpr std::uint64_t kv_int8_scales_offset(std::uint64_t capacity, std::uint64_t kv_heads,
                                                            std::uint64_t head_dim) noexcept {
  return 2 * capacity * kv_heads * head_dim;
}

}  // namespace npu::abi
