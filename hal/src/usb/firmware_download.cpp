#include "usb/firmware_download.hpp"

#include <fmt/format.h>
#include <vector>

#include "npu/common/checksum.hpp"
#include "usb/usb_message.hpp"

namespace npu::hal::usb {
namespace {

std::string_view status_text(std::uint32_t status) {
  switch (status) {
    case kFwBadOffset: return "chunk out of order";
    case kFwBadChecksum: return "image checksum mismatch";
    case kFwTooLarge: return "image too large for the device";
    default: return "unknown loader error";
  }
}

// Sends one message and waits for the kFwAck with its tag (other messages are ignored).
Expected<void> exchange(BulkPipe& pipe, const UsbHeader& header, std::span<const std::byte> payload,
                        std::chrono::milliseconds timeout, std::string_view what) {
  NPU_TRY(pipe.send(encode(header, payload), timeout));
  std::vector<std::byte> buffer(kUsbMaxMessage);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return fail(ErrorCode::kTimeout, fmt::format("USB loader did not acknowledge {} within {} ms", what, timeout.count()));
    auto n = pipe.receive(buffer, left);
    if (!n) {
      if (n.error().code() == ErrorCode::kTimeout) continue;
      return fail(n.error().with_context(fmt::format("firmware download, {}", what)));
    }
    auto msg = decode(std::span(buffer).first(*n));
    if (!msg || msg->header.type != static_cast<std::uint16_t>(UsbMsg::kFwAck) || msg->header.tag != header.tag)
      continue;
    if (msg->header.value != kFwOk)
      return fail(ErrorCode::kDeviceError,
                  fmt::format("USB loader refused {}: {} (status {})", what, status_text(msg->header.value), msg->header.value));
    return {};
  }
}

}  // namespace

Expected<void> download_firmware(BulkPipe& pipe, std::span<const std::byte> image, std::chrono::milliseconds ack_timeout) {
  if (image.empty()) return fail(ErrorCode::kInvalidArgument, "firmware image for the USB loader is empty");
  std::uint32_t tag = 1;
  for (std::size_t offset = 0; offset < image.size(); offset += kUsbMaxPayload, ++tag) {
    const auto chunk = image.subspan(offset, std::min<std::size_t>(kUsbMaxPayload, image.size() - offset));
    UsbHeader h{.type = static_cast<std::uint16_t>(UsbMsg::kFwChunk), .tag = tag, .addr = offset};
    NPU_TRY(exchange(pipe, h, chunk, ack_timeout, fmt::format("chunk at offset {}", offset)));
  }
  UsbHeader start{.type = static_cast<std::uint16_t>(UsbMsg::kFwStart), .tag = tag, .addr = crc32(image),
                  .value = static_cast<std::uint32_t>(image.size())};
  return exchange(pipe, start, {}, ack_timeout, "the start command");
}

}  // namespace npu::hal::usb
