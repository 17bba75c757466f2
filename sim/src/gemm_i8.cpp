#include "gemm_i8.hpp"

namespace npu::sim {

// Blocks of 64 with a fixed trip count vectorize even under GCC's -O2 "very cheap" cost model;
// the int16 products summed into int32 map to pmaddwd (x86) / smlal/sdot (Arm).
std::int32_t dot_i8(const std::int8_t* __restrict a, const std::int8_t* __restrict b, std::size_t k) noexcept {
  constexpr std::size_t kBlock = 64;
  std::uint32_t acc = 0;  // wraps like the int32 accumulator of the hardware, without UB
  std::size_t i = 0;
  for (; i + kBlock <= k; i += kBlock) {
    std::int32_t s = 0;
    for (std::size_t j = 0; j < kBlock; ++j)
      s += static_cast<std::int16_t>(a[i + j]) * static_cast<std::int16_t>(b[i + j]);
    acc += static_cast<std::uint32_t>(s);
  }
  for (; i < k; ++i) acc += static_cast<std::uint32_t>(static_cast<std::int32_t>(a[i]) * b[i]);
  return static_cast<std::int32_t>(acc);
}

void gemm_i8(const std::int8_t* a, const std::int8_t* w, const std::int32_t* bias, std::int8_t* out,
             std::size_t m, std::size_t k, std::size_t n, const Requant& q) noexcept {
  // Row of W outer, rows of A inner: each weight row is streamed from memory once per call.
  for (std::size_t col = 0; col < n; ++col) {
    const std::int8_t* wrow = w + col * k;
    const std::int32_t b = bias ? bias[col] : 0;
    for (std::size_t row = 0; row < m; ++row)
      out[row * n + col] = requantize(static_cast<std::int32_t>(static_cast<std::uint32_t>(dot_i8(a + row * k, wrow, k)) +
                                                                static_cast<std::uint32_t>(b)),
                                      q);
  }
}

}  // namespace npu::sim
