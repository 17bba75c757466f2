// The device side of the USB wire protocol for tests: a 4 KiB register file answering register
// reads/writes on its own thread, plus calls that make the "device" do DMA or raise interrupts.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "npu/hal/usb_protocol.hpp"
#include "usb/bulk_pipe.hpp"
#include "usb/usb_message.hpp"

namespace npu::test {

class FakeUsbPeer {
 public:
  explicit FakeUsbPeer(std::unique_ptr<hal::usb::BulkPipe> pipe);
  ~FakeUsbPeer();

  // Device-initiated DMA: fetches `bytes` at `iova` from the host (nullopt if the host refused).
  std::optional<std::vector<std::byte>> dma_read(std::uint64_t iova, std::uint32_t bytes);
  void dma_write(std::uint64_t iova, const std::vector<std::byte>& data);
  void raise_interrupt();
  void send_raw(const std::vector<std::byte>& bytes);

  void set_silent(bool silent) { silent_ = silent; }  // stop answering register reads
  [[nodiscard]] std::uint32_t reg(std::uint32_t offset);
  [[nodiscard]] int resets() const { return resets_; }

 private:
  void loop();

  std::unique_ptr<hal::usb::BulkPipe> pipe_;
  std::mutex mutex_;
  std::vector<std::uint32_t> regs_ = std::vector<std::uint32_t>(1024);
  std::map<std::uint32_t, std::optional<std::vector<std::byte>>> dma_replies_;
  std::uint32_t next_tag_ = 1;
  std::atomic<bool> silent_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int> resets_{0};
  std::thread thread_;
};

}  // namespace npu::test
