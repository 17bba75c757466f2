// One bidirectional bulk channel to a USB device: each call moves one whole protocol message
// (usb_protocol.hpp). Implemented over libusb (libusb_pipe.hpp) and, in tests, over memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>

#include "npu/common/error.hpp"

namespace npu::hal::usb {

class BulkPipe {
 public:
  virtual ~BulkPipe() = default;
  BulkPipe() = default;
  BulkPipe(const BulkPipe&) = delete;
  BulkPipe& operator=(const BulkPipe&) = delete;

  // kTimeout, kDeviceLost (unplugged) or kIo.
  [[nodiscard]] virtual Expected<void> send(std::span<const std::byte> message, std::chrono::milliseconds timeout) = 0;
  // Receives one message into `buffer` and returns its size; kTimeout when none arrived.
  [[nodiscard]] virtual Expected<std::size_t> receive(std::span<std::byte> buffer, std::chrono::milliseconds timeout) = 0;
};

}  // namespace npu::hal::usb
