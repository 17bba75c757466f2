#include <gtest/gtest.h>

#include <vector>

#include "device_memory.hpp"
#include "iova_table.hpp"

namespace npu::sim {
namespace {

TEST(DeviceMemory, EightGiBIsSparse) {
  DeviceMemory mem(8ull << 30);
  EXPECT_EQ(mem.resident_bytes(), 0u);
  std::vector<std::byte> data(100, std::byte{7}), back(100);
  ASSERT_TRUE(mem.write((8ull << 30) - 100, data));
  ASSERT_TRUE(mem.read((8ull << 30) - 100, back));
  EXPECT_EQ(back, data);
  EXPECT_EQ(mem.resident_bytes(), DeviceMemory::kChunkBytes);
  EXPECT_FALSE(mem.write((8ull << 30) - 99, data));  // one byte past the end
  EXPECT_FALSE(mem.read(~0ull - 10, back));          // overflowing range
  mem.clear();
  EXPECT_EQ(mem.resident_bytes(), 0u);
  ASSERT_TRUE(mem.read((8ull << 30) - 100, back));
  EXPECT_EQ(back, std::vector<std::byte>(100));  // cleared memory reads as zero
}

TEST(DeviceMemory, ContiguousAcrossChunksOnlyWhenFlat) {
  DeviceMemory mem(64ull << 20);
  EXPECT_NE(mem.contiguous(100, 1000), nullptr);
  // One reservation: any in-range span is direct (kernels use views into DDR); chunked fallback:
  // only inside one chunk.
  if (mem.flat()) EXPECT_NE(mem.contiguous(DeviceMemory::kChunkBytes - 10, 20), nullptr);
  else EXPECT_EQ(mem.contiguous(DeviceMemory::kChunkBytes - 10, 20), nullptr);
  EXPECT_EQ(mem.contiguous((64ull << 20) - 10, 20), nullptr);  // past the end
  std::vector<std::byte> data(20, std::byte{3}), back(20);
  ASSERT_TRUE(mem.write(DeviceMemory::kChunkBytes - 10, data));
  ASSERT_TRUE(mem.read(DeviceMemory::kChunkBytes - 10, back));
  EXPECT_EQ(back, data);
}

TEST(IovaTable, MapsPagesWithGuardsAndRefusesStrayAccess) {
  IovaTable table(4096);
  std::vector<std::byte> a(4096), b(100);
  const auto ia = table.map(a.data(), a.size()), ib = table.map(b.data(), b.size());
  EXPECT_GE(ib, ia + 2 * 4096);  // guard page between
  std::vector<std::byte> x(16, std::byte{9});
  EXPECT_TRUE(table.write(ia + 4080, x));
  EXPECT_FALSE(table.write(ia + 4081, x));  // crosses the end
  EXPECT_FALSE(table.write(ia - 1, x));
  EXPECT_TRUE(table.read(ib, std::span(x).first(100 > 16 ? 16 : 100)));
  table.unmap(ia);
  EXPECT_FALSE(table.read(ia, x));
}

}  // namespace
}  // namespace npu::sim
