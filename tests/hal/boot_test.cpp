// Boot through the register protocol: the shipped image boots; every kind of bad image is refused
// with its BootError, and a reset brings the device back to kWaitFirmware for a retry.
#include <gtest/gtest.h>

#include <cstring>

#include "npu/common/checksum.hpp"
#include "npu/firmware/fw_image.hpp"
#include "sim_host.hpp"

namespace npu::test {
namespace {

namespace reg = abi::reg;

abi::FirmwareImageHeader& header_of(std::vector<std::byte>& image) {
  return *reinterpret_cast<abi::FirmwareImageHeader*>(image.data());
}

abi::BootError boot_error(SimHost& host, std::span<const std::byte> image) {
  auto state = host.boot(image);
  EXPECT_TRUE(state.has_value());
  if (!state) return abi::BootError::kNone;
  if (*state == abi::DeviceState::kAlive) return abi::BootError::kNone;
  EXPECT_EQ(*state, abi::DeviceState::kBootFailed);
  return static_cast<abi::BootError>(host.reg(reg::kErrorCode));
}

TEST(Boot, PowerOnStateAndIdentityRegisters) {
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  EXPECT_EQ(host->reg(reg::kId), abi::kDeviceMagic);
  EXPECT_EQ(host->reg(reg::kAbiVersion), abi::kAbiVersion);
  EXPECT_EQ(host->state(), abi::DeviceState::kWaitFirmware);
  EXPECT_EQ(host->reg(reg::kFwVersion), 0u);
  EXPECT_GT(host->reg(reg::kClockKhz), 0u);
  EXPECT_EQ(host->reg(reg::kDdrSizeMb), 8192u);  // hailo10h: 8 GiB
  EXPECT_GT(host->reg(reg::kSramSizeKb), 0u);
  EXPECT_EQ(host->reg(0x1001), 0xffffffffu);  // unaligned
  EXPECT_EQ(host->reg(reg::kBar0Size), 0xffffffffu);  // out of range
}

TEST(Boot, GoodImageBootsAndHeartbeatRuns) {
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  auto state = host->boot();
  ASSERT_TRUE(state) << state.error().what();
  EXPECT_EQ(*state, abi::DeviceState::kAlive);
  EXPECT_EQ(host->reg(reg::kFwVersion), abi::make_fw_version(0, 1, 0));
  EXPECT_EQ(host->reg(reg::kErrorCode), 0u);
  const std::uint32_t beat = host->reg(reg::kHeartbeat);
  for (int i = 0; i < 100 && host->reg(reg::kHeartbeat) == beat; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_NE(host->reg(reg::kHeartbeat), beat);
  // Booting again without a reset is ignored (the device is not waiting for firmware).
  host->device().write32(reg::kBootCtrl, reg::kBootStart);
  EXPECT_EQ(host->state(), abi::DeviceState::kAlive);
}

TEST(Boot, EveryBadImageIsRefusedWithItsReason) {
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  auto retry = [&](std::vector<std::byte> image) {
    EXPECT_TRUE(host->reset().has_value());
    EXPECT_EQ(host->state(), abi::DeviceState::kWaitFirmware);
    return boot_error(*host, image);
  };
  const auto good = SimHost::good_image();

  auto img = good;
  header_of(img).magic = 0x12345678;
  fw::refresh_header_crc(img);
  EXPECT_EQ(retry(img), abi::BootError::kBadMagic);

  auto manifest = fw::FirmwareManifest::current(abi::make_fw_version(0, 1, 0));
  manifest.abi_version = abi::make_abi_version(abi::kAbiMajor + 1, 0);
  EXPECT_EQ(retry(fw::build_firmware_image(manifest, "x")), abi::BootError::kAbiMismatch);
  manifest.abi_version = abi::make_abi_version(abi::kAbiMajor, abi::kAbiMinor + 1);  // newer minor
  EXPECT_EQ(retry(fw::build_firmware_image(manifest, "x")), abi::BootError::kAbiMismatch);

  img = good;
  header_of(img).header_crc32 ^= 1;
  EXPECT_EQ(retry(img), abi::BootError::kBadChecksum);
  img = good;
  img.back() ^= std::byte{0x20};  // payload byte
  EXPECT_EQ(retry(img), abi::BootError::kBadChecksum);

  img = good;
  img.resize(img.size() - 3);
  EXPECT_EQ(retry(img), abi::BootError::kTruncated);
  img.resize(20);  // shorter than the header
  EXPECT_EQ(retry(img), abi::BootError::kTruncated);

  img = good;
  header_of(img).payload_size = abi::kFirmwareMaxSize;
  fw::refresh_header_crc(img);
  EXPECT_EQ(retry(img), abi::BootError::kTooLarge);

  img = good;
  header_of(img).header_size = 32;
  fw::refresh_header_crc(img);
  EXPECT_EQ(retry(img), abi::BootError::kBadHeader);
  img = good;
  header_of(img).reserved1[3] = 1;
  fw::refresh_header_crc(img);
  EXPECT_EQ(retry(img), abi::BootError::kBadHeader);

  // A payload that is not a manifest (valid CRCs) is refused as a bad header.
  const char junk[] = "not a manifest";
  EXPECT_EQ(retry(fw::build_firmware_image(std::as_bytes(std::span(junk)), abi::kAbiVersion, 1, "x")),
            abi::BootError::kBadHeader);

  // And a good image still boots after all that.
  EXPECT_EQ(retry(good), abi::BootError::kNone);
  EXPECT_EQ(host->state(), abi::DeviceState::kAlive);
}

TEST(Boot, TooLargeAndUnmappedImages) {
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  host->device().write32(reg::kBootSize, static_cast<std::uint32_t>(abi::kFirmwareMaxSize + 1));
  host->device().write32(reg::kBootCtrl, reg::kBootStart);
  ASSERT_TRUE(host->wait_irq(reg::kIrqBoot));
  EXPECT_EQ(host->state(), abi::DeviceState::kBootFailed);
  EXPECT_EQ(host->reg(reg::kErrorCode), static_cast<std::uint32_t>(abi::BootError::kTooLarge));

  ASSERT_TRUE(host->reset());
  host->device().write32(reg::kIrqMask, reg::kIrqAll);
  host->device().write32(reg::kBootAddrLo, 0x1000);  // nothing mapped there
  host->device().write32(reg::kBootAddrHi, 0);
  host->device().write32(reg::kBootSize, 4096);
  host->device().write32(reg::kBootCtrl, reg::kBootStart);
  ASSERT_TRUE(host->wait_irq(reg::kIrqBoot));
  EXPECT_EQ(host->state(), abi::DeviceState::kBootFailed);
  EXPECT_EQ(host->reg(reg::kErrorCode), static_cast<std::uint32_t>(abi::BootError::kDmaError));
}

TEST(Boot, ResetRegisterReturnsToWaitFirmware) {
  auto host = SimHost::open();
  ASSERT_TRUE(host);
  ASSERT_EQ(host->boot().value(), abi::DeviceState::kAlive);
  host->device().write32(reg::kReset, 0x1234);  // wrong magic: ignored
  EXPECT_EQ(host->state(), abi::DeviceState::kAlive);
  host->device().write32(reg::kReset, reg::kResetMagic);
  EXPECT_EQ(host->state(), abi::DeviceState::kWaitFirmware);
  EXPECT_EQ(host->reg(reg::kFwVersion), 0u);
  EXPECT_EQ(host->reg(reg::kIrqMask), 0u);
}

}  // namespace
}  // namespace npu::test
