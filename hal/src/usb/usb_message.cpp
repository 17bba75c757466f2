#include "usb/usb_message.hpp"

#include <cstring>
#include <fmt/format.h>

namespace npu::hal::usb {

std::vector<std::byte> encode(UsbHeader header, std::span<const std::byte> payload) {
  header.magic = kUsbMagic;
  header.length = static_cast<std::uint32_t>(payload.size());
  std::vector<std::byte> out(sizeof(UsbHeader) + payload.size());
  std::memcpy(out.data(), &header, sizeof header);
  if (!payload.empty()) std::memcpy(out.data() + sizeof header, payload.data(), payload.size());
  return out;
}

Expected<UsbMessage> decode(std::span<const std::byte> bytes) {
  if (bytes.size() < sizeof(UsbHeader))
    return fail(ErrorCode::kBadFormat, fmt::format("USB message of {} bytes is shorter than its 32-byte header", bytes.size()));
  UsbMessage m;
  std::memcpy(&m.header, bytes.data(), sizeof m.header);
  if (m.header.magic != kUsbMagic)
    return fail(ErrorCode::kBadFormat, fmt::format("USB message magic {:#010x} is not 'NPUB'", m.header.magic));
  if (m.header.reserved != 0) return fail(ErrorCode::kBadFormat, "USB message has reserved bits set");
  if (m.header.length > kUsbMaxPayload || sizeof(UsbHeader) + m.header.length != bytes.size())
    return fail(ErrorCode::kBadFormat, fmt::format("USB message declares {} payload bytes but carries {}",
                                                   m.header.length, bytes.size() - sizeof(UsbHeader)));
  m.payload = bytes.subspan(sizeof(UsbHeader));
  return m;
}

}  // namespace npu::hal::usb
