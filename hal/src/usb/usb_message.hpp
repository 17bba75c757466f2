// Encoding and checked decoding of usb_protocol.hpp messages (header + payload).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/hal/usb_protocol.hpp"

namespace npu::hal::usb {

struct UsbMessage {
  UsbHeader header;
  std::span<const std::byte> payload;  // points into the decoded buffer
};

// Sets header.length from the payload. Payload must be <= kUsbMaxPayload (caller splits).
[[nodiscard]] std::vector<std::byte> encode(UsbHeader header, std::span<const std::byte> payload = {});

// kBadFormat for a short message, a wrong magic, reserved bits set, or a length that does not
// match the bytes received.
[[nodiscard]] Expected<UsbMessage> decode(std::span<const std::byte> bytes);

inline constexpr std::size_t kUsbMaxMessage = sizeof(UsbHeader) + kUsbMaxPayload;

}  // namespace npu::hal::usb
