// 16 KiB-page mode (as on a Raspberry Pi 5 kernel): NPU_PAGE_SIZE=16384 is set before anything
// asks for the page size, so DMA buffers and IOVAs follow 16 KiB granularity and the device
// still boots and moves data correctly.
#include <gtest/gtest.h>

#include <cstdlib>

#include "npu/common/page.hpp"
#include "sim_host.hpp"

namespace {
const bool kForced = [] { return ::setenv("NPU_PAGE_SIZE", "16384", 1) == 0; }();
}

namespace npu::test {
namespace {

TEST(Page16k, BuffersAndIovasUse16KiBPages) {
  ASSERT_TRUE(kForced);
  ASSERT_EQ(host_page_size(), 16384u);
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  auto buf = host->device().alloc_dma(5000);
  ASSERT_TRUE(buf);
  EXPECT_EQ((*buf)->size(), 16384u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>((*buf)->data()) % 16384, 0u);
  EXPECT_EQ((*buf)->device_address() % 16384, 0u);
  auto other = host->device().alloc_dma(1);
  ASSERT_TRUE(other);
  EXPECT_GE((*other)->device_address(), (*buf)->device_address() + 16384);

  ASSERT_EQ(host->boot().value(), abi::DeviceState::kAlive);
  std::vector<std::byte> data(50000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 7);
  auto w = host->write(0x4000'0000, data, 16384);
  ASSERT_TRUE(w);
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(host->read(0x4000'0000, back, 16384));
  EXPECT_EQ(back, data);
}

}  // namespace
}  // namespace npu::test
