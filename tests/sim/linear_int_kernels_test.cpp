// Every linear_int path this host supports against the portable reference, bit for bit, on
// random data (including -128 activations and weights, which the unsigned-weight tricks must
// survive) and edge shapes: tails that are not a whole SIMD tile, K not a multiple of 32 (the
// portable fallback), per-row and per-block scales, several rows.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "kernels/linear_int.hpp"
#include "kernels/worker_pool.hpp"

namespace npu::sim::kernels {
namespace {

struct Case {
  std::size_t m, k, n, group;
  bool int4;
};

std::vector<float> run(Isa isa, const Case& c, const std::vector<std::int8_t>& x, const std::vector<std::uint8_t>& w,
                       const std::vector<float>& s, bool whole_range) {
  std::vector<float> out(c.m * c.n, -1.0f);
  const LinearIntArgs a{x.data(), w.data(), c.int4, s.data(), out.data(), c.m, c.k, c.n, c.group, 0.0173f};
  if (whole_range) {
    linear_int_cols(isa, a, 0, c.n);
  } else {  // two ranges, as the worker pool splits them
    const std::size_t mid = c.n / 16 * 8;
    linear_int_cols(isa, a, 0, mid);
    linear_int_cols(isa, a, mid, c.n);
  }
  return out;
}

TEST(LinearIntKernels, EveryPathMatchesThePortableReferenceBitForBit) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  const Case cases[] = {
      {1, 32, 8, 0, true},      {1, 64, 16, 32, true},   {1, 2048, 24, 0, true},  {1, 2048, 40, 32, false},
      {1, 256, 13, 0, false},   {3, 96, 21, 32, true},   {2, 128, 8, 64, false},  {1, 48, 9, 0, true},
      {1, 48, 16, 16, false},   {4, 512, 64, 128, true}, {1, 1024, 32, 0, false}, {1, 32, 5, 32, false},
      // The 512-bit kernels' shapes (whole tiles, tails, several rows, loop remainders):
      {2, 512, 40, 32, false},  {1, 1536, 16, 32, false}, {1, 1088, 16, 32, false}, {3, 256, 16, 0, true},
      {1, 384, 8, 0, true},     {2, 192, 24, 0, false},   {1, 320, 17, 0, false},
  };
  ASSERT_FALSE(supported_isas().empty());
  EXPECT_EQ(supported_isas().front(), Isa::kPortable);
  for (const Case& c : cases) {
    std::vector<std::int8_t> x(c.m * c.k);
    std::vector<std::uint8_t> w(c.n * (c.int4 ? c.k / 2 : c.k));
    std::vector<float> s(c.n * (c.group ? c.k / c.group : 1));
    for (auto& v : x) v = static_cast<std::int8_t>(byte(rng) - 128);
    for (auto& v : w) v = static_cast<std::uint8_t>(byte(rng));
    for (auto& v : s) v = scale(rng);
    x[0] = -128;  // the extremes the unsigned tricks must survive
    w[0] = 0x80;
    const auto ref = run(Isa::kPortable, c, x, w, s, true);
    for (Isa isa : supported_isas()) {
      for (bool whole : {true, false}) {
        const auto got = run(isa, c, x, w, s, whole);
        EXPECT_EQ(std::memcmp(got.data(), ref.data(), ref.size() * sizeof(float)), 0)
            << isa_name(isa) << " m=" << c.m << " k=" << c.k << " n=" << c.n << " group=" << c.group
            << " int4=" << c.int4 << " whole=" << whole;
      }
    }
  }
}

TEST(LinearIntKernels, PortableReferenceMatchesHandComputedValues) {
  // x = [1, -2, 3, -128], W4 row 0 = [-8, 7, 1, -1], row 1 = [2, 2, 2, 2]; per-row scales.
  const std::vector<std::int8_t> x{1, -2, 3, -128};
  const std::vector<std::uint8_t> w{0x78, 0xF1, 0x22, 0x22};
  const std::vector<float> s{0.5f, 0.25f};
  std::vector<float> out(2);
  linear_int_portable({x.data(), w.data(), true, s.data(), out.data(), 1, 4, 2, 0, 2.0f}, 0, 2);
  EXPECT_EQ(out[0], static_cast<float>(-8 - 14 + 3 + 128) * (2.0f * 0.5f));
  EXPECT_EQ(out[1], static_cast<float>(2 * (1 - 2 + 3 - 128)) * (2.0f * 0.25f));
}

TEST(LinearIntKernels, BestIsaIsSupportedAndNamed) {
  const Isa best = best_isa();
  bool found = false;
  for (Isa i : supported_isas()) found |= i == best;
  EXPECT_TRUE(found);
  EXPECT_NE(isa_name(best), "?");
}

TEST(WorkerPool, RunsPartZeroOnTheCallerAndEachOtherPartAtMostOnce) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.threads(), 3u);
  const auto caller = std::this_thread::get_id();
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> counts[3] = {0, 0, 0};
    std::atomic<bool> zero_on_caller{false};
    pool.run([&](std::size_t part) {
      ASSERT_LT(part, 3u);
      counts[part].fetch_add(1);
      if (part == 0) zero_on_caller = std::this_thread::get_id() == caller;
    });
    EXPECT_EQ(counts[0].load(), 1) << "round " << round;
    EXPECT_TRUE(zero_on_caller.load());
    EXPECT_LE(counts[1].load(), 1);
    EXPECT_LE(counts[2].load(), 1);
  }
}

TEST(WorkerPool, WorkersJoinARunThatLastsLongEnough) {
  WorkerPool pool(3);
  std::atomic<int> joined{0};
  pool.run([&](std::size_t part) {
    if (part != 0) {
      joined.fetch_add(1);
      return;
    }
    // Part 0 waits (bounded) for both workers: they must pick a running job up.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (joined.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  });
  EXPECT_EQ(joined.load(), 2);
}

TEST(LinearIntKernels, ParallelSplitEqualsOneThreadBitForBit) {
  // Large enough to be split into chunks, with a column tail that is not a whole chunk.
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::size_t m = 2, k = 512, n = 1100;  // m * k * n above the one-thread threshold (2^20)
  for (bool int4 : {false, true}) {
    std::vector<std::int8_t> x(m * k);
    std::vector<std::uint8_t> w(n * (int4 ? k / 2 : k));
    std::vector<float> s(n * (k / 32));
    for (auto& v : x) v = static_cast<std::int8_t>(byte(rng) - 128);
    for (auto& v : w) v = static_cast<std::uint8_t>(byte(rng));
    for (auto& v : s) v = static_cast<float>(byte(rng)) * 1e-4f;
    for (std::size_t group : {std::size_t{0}, std::size_t{32}}) {
      std::vector<float> one(m * n, -1.0f), many(m * n, -2.0f);
      WorkerPool single(1), pool(3);
      linear_int_parallel(best_isa(), {x.data(), w.data(), int4, s.data(), one.data(), m, k, n, group, 0.01f}, single);
      for (int round = 0; round < 5; ++round) {
        linear_int_parallel(best_isa(), {x.data(), w.data(), int4, s.data(), many.data(), m, k, n, group, 0.01f}, pool);
        ASSERT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
            << "int4 " << int4 << " group " << group << " round " << round;
      }
    }
  }
}

}  // namespace
}  // namespace npu::sim::kernels
