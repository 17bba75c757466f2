// UsbDevice over an in-memory pipe to a fake device: registers, device-initiated DMA in both
// directions, interrupts, timeouts, malformed messages, unplug while waiting, reset.
#include <gtest/gtest.h>

#include <thread>

#include "fake_usb_peer.hpp"
#include "memory_pipe.hpp"
#include "npu/common/page.hpp"
#include "npu_abi/regs.hpp"
#include "udev/device_presence.hpp"
#include "usb/usb_device.hpp"

namespace npu::test {
namespace {

using namespace std::chrono_literals;

struct UsbRig {
  std::shared_ptr<MemoryLink> link = MemoryLink::create();
  std::unique_ptr<FakeUsbPeer> peer;
  std::unique_ptr<hal::usb::UsbDevice> device;

  explicit UsbRig(std::chrono::milliseconds register_timeout = 1000ms) {
    peer = std::make_unique<FakeUsbPeer>(link->device_end(link));
    hal::DeviceInfo info;
    info.id = "usb:9-9";
    info.backend = "usb";
    auto flag = hal::presence::claim(info.id);
    EXPECT_TRUE(flag);
    device = hal::usb::UsbDevice::create(info, link->host_end(link), flag, nullptr,
                                         {.register_timeout = register_timeout, .send_timeout = 100ms});
  }
};

TEST(UsbDevice, RegistersRoundTrip) {
  UsbRig rig;
  rig.device->write32(abi::reg::kIrqMask, 0x1f);
  rig.device->write32(abi::reg::kBootSize, 12345);
  EXPECT_EQ(rig.device->read32(abi::reg::kIrqMask), 0x1fu);
  EXPECT_EQ(rig.device->read32(abi::reg::kBootSize), 12345u);
  EXPECT_EQ(rig.peer->reg(abi::reg::kBootSize), 12345u);
  EXPECT_TRUE(rig.device->present());
}

TEST(UsbDevice, DeviceReadsAndWritesHostBuffers) {
  UsbRig rig;
  auto buf = rig.device->alloc_dma(100);
  ASSERT_TRUE(buf);
  EXPECT_EQ((*buf)->size(), host_page_size());
  EXPECT_EQ((*buf)->device_address() % host_page_size(), 0u);
  for (std::size_t i = 0; i < 64; ++i) (*buf)->data()[i] = static_cast<std::byte>(i * 3);
  auto got = rig.peer->dma_read((*buf)->device_address() + 8, 16);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 16u);
  EXPECT_EQ((*got)[0], static_cast<std::byte>(24));
  rig.peer->dma_write((*buf)->device_address() + 100, {std::byte{0xaa}, std::byte{0xbb}});
  for (int i = 0; i < 100 && (*buf)->data()[101] != std::byte{0xbb}; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ((*buf)->data()[100], std::byte{0xaa});
  EXPECT_EQ((*buf)->data()[101], std::byte{0xbb});
}

TEST(UsbDevice, UnmappedDmaIsRefusedNotCrashed) {
  UsbRig rig;
  auto buf = rig.device->alloc_dma(1);
  ASSERT_TRUE(buf);
  const std::uint64_t end = (*buf)->device_address() + (*buf)->size();
  EXPECT_FALSE(rig.peer->dma_read(end - 4, 8));  // runs past the buffer
  EXPECT_FALSE(rig.peer->dma_read(0x1000, 4));   // nothing mapped there
  const std::uint64_t freed = (*buf)->device_address();
  buf->reset();
  EXPECT_FALSE(rig.peer->dma_read(freed, 4));    // freed buffers are unmapped
  rig.peer->dma_write(0x1000, {std::byte{1}});   // ignored with a warning
  EXPECT_EQ(rig.device->read32(abi::reg::kIrqMask), 0u);  // still alive and answering
}

TEST(UsbDevice, InterruptsAreRememberedAndTimeOut) {
  UsbRig rig;
  auto w = rig.device->wait_interrupt(20ms);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kTimeout);
  rig.peer->raise_interrupt();
  EXPECT_TRUE(rig.device->wait_interrupt(1000ms));  // raised before or during the wait
  EXPECT_EQ(rig.device->wait_interrupt(10ms).error().code(), ErrorCode::kTimeout);  // consumed
}

TEST(UsbDevice, SilentDeviceReadsAllOnesAfterTimeout) {
  UsbRig rig(30ms);
  rig.peer->set_silent(true);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rig.device->read32(abi::reg::kStatus), 0xffffffffu);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(rig.device->present());  // slow is not gone
}

TEST(UsbDevice, MalformedMessagesAreDropped) {
  UsbRig rig;
  rig.peer->send_raw(std::vector<std::byte>(7));                   // shorter than a header
  rig.peer->send_raw(std::vector<std::byte>(32, std::byte{0x5a}));  // wrong magic
  auto bad_len = hal::usb::encode(hal::usb::UsbHeader{.type = 3});
  bad_len.push_back(std::byte{0});                                  // length field disagrees
  rig.peer->send_raw(bad_len);
  rig.device->write32(abi::reg::kIrqMask, 5);
  EXPECT_EQ(rig.device->read32(abi::reg::kIrqMask), 5u);
}

TEST(UsbDevice, UnplugFailsWaitersWithDeviceLost) {
  UsbRig rig;
  auto buf = rig.device->alloc_dma(10);
  ASSERT_TRUE(buf);
  std::thread unplug([&] {
    std::this_thread::sleep_for(30ms);
    rig.link->unplug();
  });
  const auto start = std::chrono::steady_clock::now();
  auto w = rig.device->wait_interrupt(5000ms);
  unplug.join();
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kDeviceLost);
  EXPECT_NE(w.error().message().find("usb:9-9"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(rig.device->present());
  EXPECT_EQ(rig.device->read32(abi::reg::kId), 0xffffffffu);
  EXPECT_EQ(rig.device->alloc_dma(10).error().code(), ErrorCode::kDeviceLost);
  EXPECT_EQ(rig.device->reset().error().code(), ErrorCode::kDeviceLost);
  buf->reset();  // buffers outlive the device's connection safely
}

TEST(UsbDevice, ResetReturnsToWaitFirmware) {
  UsbRig rig;
  rig.device->write32(abi::reg::kStatus, 2);  // the fake lets the host poke STATUS
  ASSERT_TRUE(rig.device->reset());
  EXPECT_EQ(rig.peer->resets(), 1);
  EXPECT_EQ(rig.device->read32(abi::reg::kStatus), 0u);
}

TEST(UsbDevice, OneOpenPerIdInAProcess) {
  UsbRig rig;
  EXPECT_FALSE(hal::presence::claim("usb:9-9"));
  EXPECT_TRUE(hal::presence::mark_removed("usb:9-9"));
  EXPECT_FALSE(rig.device->present());
}

}  // namespace
}  // namespace npu::test
