// DMA rings against the fake device: wrap-around over many rounds, back-pressure when full,
// staging for transfers larger than the staging area, error statuses.
#include <gtest/gtest.h>

#include <numeric>

#include "fake_device.hpp"
#include "npu/driver/dma_channel.hpp"
#include "npu/driver/irq_dispatcher.hpp"

namespace {

using namespace npu::driver;
using namespace std::chrono_literals;
using npu::test::FakeDevice;

struct Rig {
  FakeDevice device;
  std::unique_ptr<IrqDispatcher> irq;
  std::unique_ptr<DmaChannel> h2d, d2h;

  explicit Rig(DmaChannelConfig config) {
    (void)device.reset();
    device.write32(npu::abi::reg::kIrqMask, npu::abi::reg::kIrqAll);
    device.write32(npu::abi::reg::kStatus, 0);
    irq = std::move(*IrqDispatcher::create(device, 5ms));
    h2d = std::move(*DmaChannel::create(device, *irq, DmaDirection::kHostToDevice, config));
    d2h = std::move(*DmaChannel::create(device, *irq, DmaDirection::kDeviceToHost, config));
  }
  ~Rig() {
    h2d.reset();
    d2h.reset();
    irq.reset();
  }
};

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::byte(static_cast<unsigned char>(i * 131 + seed));
  return v;
}

DmaChannelConfig small_config() {
  DmaChannelConfig c;
  c.ring_entries = 4;
  c.staging_bytes = 16 * 1024;   // two 8 KiB halves
  c.max_descriptor_bytes = 1024;  // 8 descriptors per chunk: more than the ring holds
  c.timeout = 2000ms;
  return c;
}

TEST(DmaRing, RoundTripWrapsManyTimesLargerThanStaging) {
  Rig rig(small_config());
  const auto data = pattern(300 * 1024 + 77, 3);  // odd size: a short last descriptor
  ASSERT_TRUE(rig.h2d->write(4096, data));
  EXPECT_TRUE(std::equal(data.begin(), data.end(), rig.device.memory.begin() + 4096));
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(rig.d2h->read(4096, back));
  EXPECT_EQ(back, data);
  // 301 descriptors through a 4-entry ring: 75 rounds of wrap-around, never overrun.
  EXPECT_EQ(rig.h2d->ring_stats().descriptors, 301u);
  EXPECT_LE(rig.h2d->ring_stats().max_in_flight, 4u);
  EXPECT_FALSE(rig.device.ring_overrun);
}

TEST(DmaRing, BackPressureWaitsWhenRingIsFull) {
  Rig rig(small_config());
  rig.device.slow_rings = true;  // the device completes one descriptor per tick
  const auto data = pattern(64 * 1024, 9);
  ASSERT_TRUE(rig.h2d->write(0, data));
  EXPECT_GT(rig.h2d->ring_stats().full_waits, 0u);
  EXPECT_EQ(rig.device.max_outstanding[0].load(), 4u);  // filled exactly to the brim
  EXPECT_FALSE(rig.device.ring_overrun);
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(rig.d2h->read(0, back));
  EXPECT_EQ(back, data);
  EXPECT_GT(rig.d2h->ring_stats().full_waits, 0u);
}

TEST(DmaRing, DescriptorErrorsAreReportedWithTheirMeaning) {
  Rig rig(small_config());
  const auto data = pattern(4096, 1);
  auto r = rig.h2d->write(rig.device.memory.size() - 100, data);  // runs off device memory
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("outside device memory"), std::string::npos)
      << r.error().message();
  rig.device.dma_fail_after = 2;
  r = rig.h2d->write(0, data);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kDeviceError);
  EXPECT_NE(r.error().message().find("transfer error"), std::string::npos) << r.error().message();
  // The ring stays consistent: the next transfer works.
  ASSERT_TRUE(rig.h2d->write(0, data));
}

TEST(DmaRing, SilentDeviceTimesOut) {
  auto c = small_config();
  c.timeout = 100ms;
  Rig rig(c);
  rig.device.slow_rings = true;
  rig.device.present_ = true;
  // Stop the worker from completing anything by pointing the ring at nothing it can read.
  rig.device.write32(npu::abi::reg::kH2dRing + npu::abi::reg::kRingSize, 0);
  auto r = rig.h2d->write(0, pattern(1024, 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), npu::ErrorCode::kTimeout);
  EXPECT_NE(r.error().message().find("H2D"), std::string::npos) << r.error().message();
}

TEST(DmaRing, RejectsBadRingSize) {
  FakeDevice device;
  auto irq = IrqDispatcher::create(device, 5ms);
  ASSERT_TRUE(irq);
  auto c = small_config();
  c.ring_entries = 6;
  auto r = DmaChannel::create(device, **irq, DmaDirection::kHostToDevice, c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("power of two"), std::string::npos);
}

}  // namespace
