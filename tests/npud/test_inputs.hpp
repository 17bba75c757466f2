// The inputs both the test client processes and the in-process reference runs use.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace npu::test {

inline std::vector<std::int8_t> run_input(std::size_t n, std::uint64_t seed, std::uint64_t run) {
  std::mt19937_64 rng(seed * 1000003u + run);
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(rng());
  return v;
}

}  // namespace npu::test
