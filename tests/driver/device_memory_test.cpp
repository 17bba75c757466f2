#include <gtest/gtest.h>

#include <map>
#include <random>

#include "npu/driver/device_memory.hpp"

namespace {

using npu::ErrorCode;
using npu::driver::DeviceMemoryAllocator;

DeviceMemoryAllocator make(std::uint64_t size) {
  auto a = DeviceMemoryAllocator::create(0, size, 256);
  EXPECT_TRUE(a.has_value());
  return std::move(*a);
}

TEST(DeviceMemory, FirstFitAndCoalescing) {
  auto m = make(4096);
  auto a = m.allocate(1024, 256), b = m.allocate(1024, 256), c = m.allocate(1024, 256);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, 0u);
  EXPECT_EQ(*b, 1024u);
  EXPECT_EQ(*c, 2048u);
  ASSERT_TRUE(m.release(*a));
  ASSERT_TRUE(m.release(*c));  // c merges with the tail block
  EXPECT_EQ(m.stats().free_blocks, 2u);
  EXPECT_EQ(m.stats().largest_free_block, 2048u);
  EXPECT_NEAR(m.stats().fragmentation, 1.0 - 2048.0 / 3072.0, 1e-9);
  // First fit: the hole at 0 is reused before the tail.
  auto d = m.allocate(512, 256);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, 0u);
  ASSERT_TRUE(m.release(*d));
  ASSERT_TRUE(m.release(*b));  // everything merges back into one block
  EXPECT_EQ(m.stats().free_blocks, 1u);
  EXPECT_EQ(m.stats().free_bytes, 4096u);
  EXPECT_EQ(m.stats().fragmentation, 0.0);
}

TEST(DeviceMemory, AlignmentLeavesUsableGaps) {
  auto m = make(1 << 20);
  auto small = m.allocate(100, 1);  // rounded to the 256-byte granule
  ASSERT_TRUE(small);
  EXPECT_EQ(m.size_of(*small), 256u);
  auto big = m.allocate(4096, 65536);
  ASSERT_TRUE(big);
  EXPECT_EQ(*big % 65536, 0u);
  EXPECT_EQ(*big, 65536u);
  // The gap [256, 65536) before the aligned block is still free and used first.
  auto gap = m.allocate(1000, 256);
  ASSERT_TRUE(gap);
  EXPECT_EQ(*gap, 256u);
  EXPECT_FALSE(m.allocate(10, 3).has_value());  // not a power of two
}

TEST(DeviceMemory, ExhaustionSaysWhatIsFree) {
  auto m = make(8192);
  std::vector<std::uint64_t> blocks;
  for (int i = 0; i < 8; ++i) blocks.push_back(*m.allocate(1024, 256));
  for (int i = 0; i < 8; i += 2) ASSERT_TRUE(m.release(blocks[i]));  // 4 KiB free in 1 KiB holes
  auto r = m.allocate(2048, 256);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kOutOfMemory);
  EXPECT_NE(r.error().message().find("4 blocks"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("release buffers"), std::string::npos);
  EXPECT_GT(m.stats().fragmentation, 0.7);
  EXPECT_EQ(m.allocate(1 << 20, 256).error().code(), ErrorCode::kOutOfMemory);
  EXPECT_EQ(m.allocate(0, 256).error().code(), ErrorCode::kInvalidArgument);
}

TEST(DeviceMemory, DoubleReleaseIsAnError) {
  auto m = make(4096);
  auto a = m.allocate(256, 256);
  ASSERT_TRUE(m.release(*a));
  auto again = m.release(*a);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(m.release(12345));
}

// Random allocate/free against a shadow model: no overlap, exact accounting, full coalescing.
TEST(DeviceMemory, RandomPatternKeepsInvariants) {
  auto m = make(1 << 20);
  std::mt19937 rng(7);
  std::map<std::uint64_t, std::uint64_t> live;  // addr -> size
  for (int step = 0; step < 4000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      const std::uint64_t bytes = 1 + rng() % 20000;
      const std::uint64_t align = std::uint64_t{1} << (rng() % 14);
      auto a = m.allocate(bytes, align);
      if (!a) {
        EXPECT_EQ(a.error().code(), ErrorCode::kOutOfMemory);
        continue;
      }
      EXPECT_EQ(*a % align, 0u);
      const std::uint64_t size = m.size_of(*a);
      EXPECT_GE(size, bytes);
      auto next = live.lower_bound(*a);
      if (next != live.end()) {
        EXPECT_LE(*a + size, next->first);
      }
      if (next != live.begin()) {
        auto prev = std::prev(next);
        EXPECT_LE(prev->first + prev->second, *a);
      }
      live[*a] = size;
    } else {
      auto it = std::next(live.begin(), static_cast<long>(rng() % live.size()));
      ASSERT_TRUE(m.release(it->first));
      live.erase(it);
    }
    std::uint64_t used = 0;
    for (const auto& [addr, size] : live) used += size;
    ASSERT_EQ(m.stats().free_bytes + used, 1u << 20);
  }
  for (const auto& [addr, size] : live) ASSERT_TRUE(m.release(addr));
  EXPECT_EQ(m.stats().free_blocks, 1u);
  EXPECT_EQ(m.stats().largest_free_block, 1u << 20);
}

}  // namespace
