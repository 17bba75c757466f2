// The boot/DFU step of a USB NPU that starts in loader mode (product 0x4e51): the image goes down
// in acknowledged chunks, then kFwStart with its size and CRC-32; the device then re-enumerates
// as the running product (0x4e50). See usb_protocol.hpp.
#pragma once

#include <chrono>
#include <span>

#include "npu/common/error.hpp"
#include "usb/bulk_pipe.hpp"

namespace npu::hal::usb {

// `ack_timeout` bounds the wait for each acknowledgement (kTimeout names the offset reached).
[[nodiscard]] Expected<void> download_firmware(BulkPipe& pipe, std::span<const std::byte> image,
                                               std::chrono::milliseconds ack_timeout);

}  // namespace npu::hal::usb
