// A minimal host for tests below the driver: drives a hal::Device by hand through the register
// protocol (boot, mailbox, DMA rings) so the device side is tested without the driver.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/hal/device.hpp"
#include "npu_abi/abi.hpp"

namespace npu::test {

using namespace std::chrono_literals;

struct MboxReply {
  abi::MboxStatus status = abi::MboxStatus::kOk;
  abi::MboxMessage message{};
  template <class T>
  [[nodiscard]] T payload() const {
    T v{};
    std::memcpy(&v, message.payload, sizeof(T));
    return v;
  }
};

class SimHost {
 public:
  // Opens `id`, unmasks every interrupt and sets up 8-entry H2D/D2H rings.
  [[nodiscard]] static std::unique_ptr<SimHost> open(const std::string& id = "sim:0", std::uint32_t ring_entries = 8);
  // The firmware this build ships (in memory).
  [[nodiscard]] static std::vector<std::byte> good_image();

  hal::Device& device() { return *device_; }
  [[nodiscard]] std::uint32_t reg(std::uint32_t offset) { return device_->read32(offset); }
  [[nodiscard]] abi::DeviceState state() { return static_cast<abi::DeviceState>(reg(abi::reg::kStatus)); }

  // Waits until one of `bits` is latched in IRQ_STATUS, clears them; kTimeout / kDeviceLost.
  [[nodiscard]] Expected<std::uint32_t> wait_irq(std::uint32_t bits, std::chrono::milliseconds timeout = 2000ms);

  // Device reset; the host forgets its ring state (the device dropped it).
  [[nodiscard]] Expected<void> reset();

  // Uploads `image` and starts boot; returns the final state (kAlive or kBootFailed).
  [[nodiscard]] Expected<abi::DeviceState> boot(std::span<const std::byte> image);
  [[nodiscard]] Expected<abi::DeviceState> boot() { return boot(good_image()); }

  // One mailbox request; `payload_size` overrides the size field (to send bad sizes).
  [[nodiscard]] Expected<MboxReply> call(abi::MboxOpcode opcode, std::span<const std::byte> payload = {},
                                         std::int64_t payload_size = -1, std::chrono::milliseconds timeout = 5000ms);
  template <class T>
  [[nodiscard]] Expected<MboxReply> call(abi::MboxOpcode opcode, const T& request) {
    return call(opcode, std::as_bytes(std::span(&request, 1)));
  }
  // Just writes the request and rings the doorbell.
  void post(abi::MboxOpcode opcode, std::span<const std::byte> payload, std::uint32_t payload_size);

  // DMA through the rings in `chunk`-byte descriptors; returns every descriptor's status.
  [[nodiscard]] Expected<std::vector<abi::DmaStatus>> write(std::uint64_t device_addr, std::span<const std::byte> data,
                                                            std::size_t chunk = 4096);
  [[nodiscard]] Expected<std::vector<abi::DmaStatus>> read(std::uint64_t device_addr, std::span<std::byte> data,
                                                           std::size_t chunk = 4096);
  // Raw descriptor submission (tests of bad descriptors).
  [[nodiscard]] Expected<std::vector<abi::DmaStatus>> transfer(bool h2d, std::span<const abi::DmaDescriptor> descs);

  [[nodiscard]] std::uint32_t ring_entries() const { return entries_; }

 private:
  std::unique_ptr<hal::Device> device_;
  std::unique_ptr<hal::DmaBuffer> fw_, h2d_ring_, d2h_ring_;
  std::uint32_t entries_ = 8, h2d_tail_ = 0, d2h_tail_ = 0, seq_ = 0;
};

// A device address range holding values: helper to build GEMM programs in tests.
[[nodiscard]] std::vector<std::byte> to_bytes(const std::vector<std::int8_t>& v);
[[nodiscard]] std::vector<std::byte> to_bytes(const std::vector<std::int32_t>& v);

}  // namespace npu::test
