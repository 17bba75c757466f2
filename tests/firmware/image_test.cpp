#include <gtest/gtest.h>

#include <cstring>

#include "npu/common/checksum.hpp"
#include "npu/common/file.hpp"
#include "npu/firmware/fw_image.hpp"
#include "npu_abi/version.hpp"

namespace npu::fw {
namespace {

abi::FirmwareImageHeader header(const std::vector<std::byte>& image) {
  abi::FirmwareImageHeader h;
  std::memcpy(&h, image.data(), sizeof(h));
  return h;
}

TEST(Image, BuilderFillsEveryField) {
  auto m = FirmwareManifest::current(abi::make_fw_version(0, 3, 1));
  auto image = build_firmware_image(m, "a-very-long-build-identifier");
  auto h = header(image);
  EXPECT_EQ(h.magic, abi::kFirmwareMagic);
  EXPECT_EQ(h.header_size, 64);
  EXPECT_EQ(h.abi_version, abi::kAbiVersion);
  EXPECT_EQ(h.fw_version, abi::make_fw_version(0, 3, 1));
  EXPECT_EQ(h.payload_size, image.size() - 64);
  EXPECT_EQ(h.payload_crc32, crc32(std::span(image).subspan(64)));
  EXPECT_EQ(std::string(h.build_id), "a-very-long-bui");  // 15 characters + NUL
  EXPECT_EQ(check_image_header(h, abi::kAbiVersion), abi::BootError::kNone);
  auto payload = std::string(reinterpret_cast<const char*>(image.data() + 64), image.size() - 64);
  EXPECT_TRUE(parse_manifest(payload));
}

TEST(Image, HeaderChecks) {
  auto good = header(build_firmware_image(FirmwareManifest::current(1), "b"));
  auto check = [](abi::FirmwareImageHeader h, bool refresh = true) {
    if (refresh) {
      h.header_crc32 = 0;
      h.header_crc32 = crc32(&h, sizeof(h));
    }
    return check_image_header(h, abi::kAbiVersion);
  };
  auto h = good;
  h.magic = 0;
  EXPECT_EQ(check(h), abi::BootError::kBadMagic);
  h = good;
  h.reserved0 = 1;
  EXPECT_EQ(check(h), abi::BootError::kBadHeader);
  h = good;
  h.fw_version ^= 1;
  EXPECT_EQ(check(h, false), abi::BootError::kBadChecksum);
  h = good;
  h.abi_version = abi::make_abi_version(abi::kAbiMajor + 1, 0);
  EXPECT_EQ(check(h), abi::BootError::kAbiMismatch);
  h = good;
  h.payload_size = abi::kFirmwareMaxSize;
  EXPECT_EQ(check(h), abi::BootError::kTooLarge);
  EXPECT_STREQ(boot_error_name(abi::BootError::kTruncated), "truncated");
}

TEST(Image, AbiCompatibilityIsMinimumPerFeature) {
  EXPECT_TRUE(abi_compatible(abi::make_abi_version(1, 0), abi::make_abi_version(1, 0)));
  EXPECT_TRUE(abi_compatible(abi::make_abi_version(1, 0), abi::make_abi_version(1, 4)));  // older fw minor
  EXPECT_FALSE(abi_compatible(abi::make_abi_version(1, 5), abi::make_abi_version(1, 4)));
  EXPECT_FALSE(abi_compatible(abi::make_abi_version(2, 0), abi::make_abi_version(1, 0)));
}

TEST(Image, BuildTreeImageIsValid) {
  auto file = MappedFile::open(NPU_TEST_FIRMWARE_IMAGE);
  ASSERT_TRUE(file) << file.error().what();
  ASSERT_GE(file->size(), sizeof(abi::FirmwareImageHeader));
  abi::FirmwareImageHeader h;
  std::memcpy(&h, file->bytes().data(), sizeof(h));
  EXPECT_EQ(check_image_header(h, abi::kAbiVersion), abi::BootError::kNone);
  EXPECT_EQ(h.payload_size + sizeof(h), file->size());
  EXPECT_EQ(crc32(file->bytes().subspan(sizeof(h))), h.payload_crc32);
}

}  // namespace
}  // namespace npu::fw
