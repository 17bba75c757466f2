// Bit-exact int8 GEMM (abi::OpCode::kGemmI8 in npu_abi/program.hpp):
//   acc[m][n] = sum_k A[m][k] * W[n][k] + bias[n]                      (exact int32)
//   out[m][n] = clamp(((int64)acc * mult + 2^(30+shift)) >> (31+shift) + zp, -128, 127)
//   ReLU (activation 1): max(out, zp)
// The dot product is written so GCC vectorizes it (pmaddwd / sdot): the simulator doubles as a
// CPU inference engine.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu::sim {

struct Requant {
  std::int32_t multiplier = 1;  // > 0
  std::int32_t shift = 0;       // 0..31
  std::int32_t zero_point = 0;  // -128..127
  bool relu = false;
};

[[nodiscard]] std::int32_t dot_i8(const std::int8_t* a, const std::int8_t* b, std::size_t k) noexcept;

[[nodiscard]] inline std::int8_t requantize(std::int32_t acc, const Requant& q) noexcept {
  const std::int64_t scaled =
      (static_cast<std::int64_t>(acc) * q.multiplier + (std::int64_t{1} << (30 + q.shift))) >> (31 + q.shift);
  std::int64_t v = scaled + q.zero_point;
  v = v < -128 ? -128 : (v > 127 ? 127 : v);
  if (q.relu && v < q.zero_point) v = q.zero_point;
  return static_cast<std::int8_t>(v);
}

// out[M][N] from a[M][K], w[N][K], bias[N] (nullable).
void gemm_i8(const std::int8_t* a, const std::int8_t* w, const std::int32_t* bias, std::int8_t* out,
             std::size_t m, std::size_t k, std::size_t n, const Requant& q) noexcept;

}  // namespace npu::sim
