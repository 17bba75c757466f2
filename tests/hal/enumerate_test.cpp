// Enumeration and opening of simulated devices (NPU_SIM_DEVICES, NPU_SIM_PROFILE), DMA buffers.
#include <gtest/gtest.h>
#include <algorithm>

#include <cstdlib>

#include "npu/common/page.hpp"
#include "npu/hal/enumerate.hpp"
#include "npu_abi/regs.hpp"

namespace npu::hal {
namespace {

struct EnvGuard {
  explicit EnvGuard(const char* value) {
    if (value) ::setenv("NPU_SIM_DEVICES", value, 1);
    else ::unsetenv("NPU_SIM_DEVICES");
  }
  ~EnvGuard() { ::unsetenv("NPU_SIM_DEVICES"); }
};

TEST(Enumerate, DefaultIsOneSimDevice) {
  EnvGuard env(nullptr);
  auto devices = enumerate_devices();
  ASSERT_TRUE(devices) << devices.error().what();
  ASSERT_EQ(devices->size(), 1u);
  const DeviceInfo& d = (*devices)[0];
  EXPECT_EQ(d.id, "sim:0");
  EXPECT_EQ(d.backend, "sim");
  EXPECT_TRUE(d.abi_native);
  EXPECT_NE(d.name.find("hailo10h"), std::string::npos);
  EXPECT_FALSE(d.link.empty());
}

TEST(Enumerate, TwoDevicesAreIndependent) {
  EnvGuard env("2");
  auto devices = enumerate_devices();
  ASSERT_TRUE(devices);
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_EQ((*devices)[1].id, "sim:1");
  auto a = open_device("sim:0"), b = open_device("sim:1");
  ASSERT_TRUE(a && b);
  (*a)->write32(npu::abi::reg::kIrqMask, 0x3);
  EXPECT_EQ((*a)->read32(npu::abi::reg::kIrqMask), 0x3u);
  EXPECT_EQ((*b)->read32(npu::abi::reg::kIrqMask), 0u);
  auto again = open_device("sim:0");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kBusy);
  a->reset();
  EXPECT_TRUE(open_device("sim:0"));  // closed: can be opened again
}

TEST(Enumerate, ZeroHidesAndBadValuesAreExplained) {
  {
    EnvGuard env("0");
    EXPECT_TRUE(enumerate_devices()->empty());
    auto d = open_device("sim:0");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code(), ErrorCode::kNotFound);
  }
  {
    EnvGuard env("two");
    auto e = enumerate_devices();
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message().find("NPU_SIM_DEVICES"), std::string::npos);
  }
  EnvGuard env(nullptr);
  auto missing = open_device("sim:3");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto unknown = open_device("pcie:0000:01:00.0");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("sim:0"), std::string::npos);  // lists what exists
}

TEST(Enumerate, ProfileFromEnvironment) {
  ::setenv("NPU_SIM_PROFILE", "no-such-profile", 1);
  auto d = open_device("sim:0");
  ::unsetenv("NPU_SIM_PROFILE");
  EXPECT_FALSE(d);
}

TEST(DmaBuffers, PageAlignedDistinctAndZeroed) {
  auto dev = open_device("sim:0");
  ASSERT_TRUE(dev);
  const std::size_t page = host_page_size();
  auto a = (*dev)->alloc_dma(100), b = (*dev)->alloc_dma(page + 1);
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*a)->size(), page);
  EXPECT_EQ((*b)->size(), 2 * page);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>((*a)->data()) % page, 0u);
  EXPECT_EQ((*a)->device_address() % page, 0u);
  EXPECT_NE((*a)->device_address(), (*b)->device_address());
  EXPECT_GE((*a)->device_address(), 1ull << 32);  // IOVAs above 4 GiB catch dropped BASE_HI
  EXPECT_TRUE(std::ranges::all_of((*b)->bytes(), [](std::byte x) { return x == std::byte{0}; }));
  EXPECT_EQ((*dev)->alloc_dma(0).error().code(), ErrorCode::kInvalidArgument);
}

TEST(Interrupts, TimeoutWhenNothingHappens) {
  auto dev = open_device("sim:0");
  ASSERT_TRUE(dev);
  auto w = (*dev)->wait_interrupt(std::chrono::milliseconds(20));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kTimeout);
}

}  // namespace
}  // namespace npu::hal
