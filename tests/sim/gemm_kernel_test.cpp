#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "gemm_i8.hpp"

namespace npu::sim {
namespace {

TEST(GemmKernel, DotProductMatchesScalarForEveryTailLength) {
  std::mt19937 rng(1);
  std::vector<std::int8_t> a(1000), b(1000);
  for (auto& x : a) x = static_cast<std::int8_t>(rng());
  for (auto& x : b) x = static_cast<std::int8_t>(rng());
  for (std::size_t k : {0, 1, 63, 64, 65, 127, 128, 200, 1000}) {
    std::int64_t ref = 0;
    for (std::size_t i = 0; i < k; ++i) ref += a[i] * b[i];
    EXPECT_EQ(dot_i8(a.data(), b.data(), k), ref) << k;
  }
  std::vector<std::int8_t> lo(4096, -128);
  EXPECT_EQ(dot_i8(lo.data(), lo.data(), lo.size()), 4096 * 16384);  // extreme values
}

TEST(GemmKernel, RequantizeRoundsHalfUpAndClamps) {
  const Requant q{1 << 30, 0, 0, false};  // x * 0.5
  EXPECT_EQ(requantize(3, q), 2);    // 1.5 -> 2
  EXPECT_EQ(requantize(-3, q), -1);  // -1.5 -> -1 (half up)
  EXPECT_EQ(requantize(1000, q), 127);
  EXPECT_EQ(requantize(-1000, q), -128);
  EXPECT_EQ(requantize(-10, Requant{1 << 30, 0, 4, true}), 4);  // ReLU at the zero point
  EXPECT_EQ(requantize(std::numeric_limits<std::int32_t>::max(), Requant{0x7fffffff, 31, 0, false}), 1);  // no int64 overflow
}

}  // namespace
}  // namespace npu::sim
