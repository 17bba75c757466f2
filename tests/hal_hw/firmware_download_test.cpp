// The USB loader download: chunk order, CRC and size checked by a fake loader; refusals and
// silence become clear errors.
#include <gtest/gtest.h>

#include <thread>

#include "memory_pipe.hpp"
#include "npu/common/checksum.hpp"
#include "usb/firmware_download.hpp"
#include "usb/usb_message.hpp"

namespace npu::test {
namespace {

using namespace std::chrono_literals;
using hal::usb::UsbHeader;
using hal::usb::UsbMsg;

// A loader that stores chunks at their offsets and checks the final CRC; `corrupt` flips the
// stored byte 0 so the CRC check fails; `mute` never answers.
struct FakeLoader {
  std::unique_ptr<hal::usb::BulkPipe> pipe;
  bool corrupt = false;
  bool mute = false;
  std::vector<std::byte> image{};
  int chunks = 0;
  bool started = false;

  void serve() {
    std::vector<std::byte> buf(hal::usb::kUsbMaxMessage);
    for (;;) {
      auto n = pipe->receive(buf, 500ms);
      if (!n) return;
      auto m = hal::usb::decode(std::span(buf).first(*n));
      if (!m || mute) continue;
      UsbHeader ack{.type = static_cast<std::uint16_t>(UsbMsg::kFwAck), .tag = m->header.tag};
      if (m->header.type == static_cast<std::uint16_t>(UsbMsg::kFwChunk)) {
        ++chunks;
        if (m->header.addr != image.size()) ack.value = hal::usb::kFwBadOffset;
        else image.insert(image.end(), m->payload.begin(), m->payload.end());
        if (corrupt && !image.empty()) image[0] ^= std::byte{1};
      } else if (m->header.type == static_cast<std::uint16_t>(UsbMsg::kFwStart)) {
        const bool ok = m->header.value == image.size() && m->header.addr == crc32(image);
        ack.value = ok ? hal::usb::kFwOk : hal::usb::kFwBadChecksum;
        started = ok;
      }
      (void)pipe->send(hal::usb::encode(ack), 100ms);
      if (started) return;
    }
  }
};

std::vector<std::byte> make_image(std::size_t size) {
  std::vector<std::byte> v(size);
  for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<std::byte>(i * 31 + 7);
  return v;
}

TEST(UsbFirmwareDownload, SendsChunksInOrderThenStarts) {
  auto link = MemoryLink::create();
  FakeLoader loader{link->device_end(link)};
  std::thread t([&] { loader.serve(); });
  const auto image = make_image(hal::usb::kUsbMaxPayload * 2 + 100);
  auto host = link->host_end(link);
  auto r = hal::usb::download_firmware(*host, image, 1000ms);
  t.join();
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(loader.chunks, 3);
  EXPECT_TRUE(loader.started);
  EXPECT_EQ(loader.image, image);
}

TEST(UsbFirmwareDownload, ChecksumRefusalIsExplained) {
  auto link = MemoryLink::create();
  FakeLoader loader{link->device_end(link)};
  loader.corrupt = true;
  std::thread t([&] { loader.serve(); });
  auto host = link->host_end(link);
  auto r = hal::usb::download_firmware(*host, make_image(1000), 1000ms);
  link->unplug();
  t.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kDeviceError);
  EXPECT_NE(r.error().message().find("checksum"), std::string::npos);
}

TEST(UsbFirmwareDownload, SilentLoaderTimesOut) {
  auto link = MemoryLink::create();
  FakeLoader loader{link->device_end(link)};
  loader.mute = true;
  std::thread t([&] { loader.serve(); });
  auto host = link->host_end(link);
  auto r = hal::usb::download_firmware(*host, make_image(10), 50ms);
  link->unplug();
  t.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(r.error().message().find("offset 0"), std::string::npos);
}

TEST(UsbFirmwareDownload, UnplugAndEmptyImage) {
  auto link = MemoryLink::create();
  auto host = link->host_end(link);
  EXPECT_EQ(hal::usb::download_firmware(*host, {}, 50ms).error().code(), ErrorCode::kInvalidArgument);
  link->unplug();
  EXPECT_EQ(hal::usb::download_firmware(*host, make_image(10), 50ms).error().code(), ErrorCode::kDeviceLost);
}

}  // namespace
}  // namespace npu::test
