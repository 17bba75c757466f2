// Against the simulated device: every firmware-image refusal reported with a clear message, and
// recovery after injected faults (crash, hang, DMA error, memory error, lost interrupt) with later
// work succeeding; device removal reported as lost without a reset.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace {

using namespace npu::test;
using npu::ErrorCode;
namespace abi = npu::abi;

// Opens with a crafted image and returns the error message (empty if it booted).
struct ImageCase {
  const char* name;
  void (*craft)(std::vector<std::byte>&);
  const char* expect;
};

TEST_F(SimDriver, EveryImageRefusalIsExplained) {
  const ImageCase cases[] = {
      {"magic", [](auto& i) { header_of(i).magic ^= 1; }, "not an npustack firmware image"},
      {"minor", [](auto& i) {
         header_of(i).abi_version = abi::make_abi_version(abi::kAbiMajor, abi::kAbiMinor + 1);
         npu::fw::refresh_header_crc(i);
       }, "does not match device"},
      {"major", [](auto& i) {
         header_of(i).abi_version = abi::make_abi_version(abi::kAbiMajor + 1, 0);
         npu::fw::refresh_header_crc(i);
       }, "install the npustack firmware matching this driver"},
      {"header-crc", [](auto& i) { header_of(i).fw_version ^= 1; }, "corrupt"},
      {"payload-crc", [](auto& i) { i.back() ^= std::byte{0x40}; }, "corrupt"},
      {"truncated", [](auto& i) { i.resize(i.size() - 5); }, "truncated"},
      {"header-size", [](auto& i) {
         header_of(i).header_size = 32;
         npu::fw::refresh_header_crc(i);
       }, "invalid header"},
      {"reserved", [](auto& i) {
         header_of(i).reserved1[3] = 1;
         npu::fw::refresh_header_crc(i);
       }, "invalid header"},
      {"empty", [](auto& i) { i.clear(); }, "truncated"},
  };
  for (const auto& c : cases) {
    auto image = good_image();
    c.craft(image);
    options.firmware_path = write_image(std::string(c.name) + ".bin", image);
    auto d = open();
    ASSERT_FALSE(d) << c.name;
    EXPECT_NE(d.error().message().find(c.expect), std::string::npos)
        << c.name << ": " << d.error().what();
    EXPECT_NE(d.error().message().find(options.firmware_path.string()), std::string::npos)
        << c.name << ": " << d.error().what();
  }
}

TEST_F(SimDriver, TooLargeImageIsRefused) {
  auto image = good_image();
  const std::size_t big = abi::kFirmwareMaxSize + 4096;
  header_of(image).payload_size = big - sizeof(abi::FirmwareImageHeader);
  npu::fw::refresh_header_crc(image);
  const auto path = write_image("big.bin", image);
  fs::resize_file(path, big);  // sparse: cheap to create
  options.firmware_path = path;
  auto d = open();
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message().find("firmware region"), std::string::npos) << d.error().what();
}

TEST_F(SimDriver, RecoversFromFirmwareCrash) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  inject("firmware_crash@mailbox=1");
  auto s = drv.stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kDeviceError);
  EXPECT_NE(s.error().message().find("crashed"), std::string::npos) << s.error().what();
  EXPECT_NE(s.error().message().find("re-booted"), std::string::npos) << s.error().what();
  EXPECT_EQ(drv.generation(), 1u);
  auto after = drv.stats();
  ASSERT_TRUE(after) << after.error().what();
  EXPECT_EQ(after->resets, 1u);
}

TEST_F(SimDriver, RecoversFromHang) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  inject("firmware_hang@mailbox=1");
  auto s = drv.stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(s.error().message().find("QUERY_STATS"), std::string::npos) << s.error().what();
  EXPECT_EQ(drv.generation(), 1u);
  EXPECT_TRUE(drv.stats()) << "device must work after recovery";
}

TEST_F(SimDriver, RecoversFromDmaErrorAndMemoryError) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  auto& drv = **d;
  const auto data = pattern(100 * 1000);
  inject("dma_error@dma=3");
  auto buf = drv.allocate(data.size());
  ASSERT_TRUE(buf);
  auto w = drv.write(buf->address, data);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("transfer error"), std::string::npos) << w.error().what();
  EXPECT_EQ(drv.generation(), 1u);

  inject("memory_error@dma=2");
  auto again = drv.allocate(data.size());  // device memory was wiped with the reset
  ASSERT_TRUE(again);
  auto w2 = drv.write(again->address, data);
  ASSERT_FALSE(w2);
  EXPECT_NE(w2.error().message().find("memory"), std::string::npos) << w2.error().what();
  EXPECT_EQ(drv.generation(), 2u);

  inject("");
  auto fresh = drv.allocate(data.size());
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(drv.write(fresh->address, data));
  std::vector<std::byte> back(data.size());
  ASSERT_TRUE(drv.read(fresh->address, back));
  EXPECT_EQ(back, data);
}

TEST_F(SimDriver, LostInterruptIsSurvived) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  inject("lost_interrupt@mailbox=1,lost_interrupt@dma=2");
  auto s = (*d)->stats();
  ASSERT_TRUE(s) << s.error().what();
  const auto data = pattern(20000);
  ASSERT_TRUE((*d)->write(0, data));
  EXPECT_EQ((*d)->generation(), 0u);  // no reset needed
}

TEST_F(SimDriver, DeviceRemovalIsReportedWithoutReset) {
  auto d = open();
  ASSERT_TRUE(d) << d.error().what();
  inject("device_removal@mailbox=1");
  auto s = (*d)->stats();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kDeviceLost) << s.error().what();
  EXPECT_EQ((*d)->generation(), 0u);
  EXPECT_EQ((*d)->reset().error().code(), ErrorCode::kDeviceLost);
}

}  // namespace
