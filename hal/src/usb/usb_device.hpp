// hal::Device over a BulkPipe speaking usb_protocol.hpp (running mode). A reader thread takes
// every device message: register values wake their reader, kDmaRead is served from this host's
// DMA buffers, kDmaWrite lands in them, kInterrupt raises the line. When the pipe reports the
// device unplugged, present() turns false and every waiter gets kDeviceLost at once.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "npu/hal/device.hpp"
#include "npu/hal/hotplug.hpp"
#include "pcie/iova_allocator.hpp"
#include "udev/device_presence.hpp"
#include "usb/bulk_pipe.hpp"
#include "usb/usb_message.hpp"

namespace npu::hal::usb {

class DmaTable;

struct UsbDeviceOptions {
  std::chrono::milliseconds register_timeout{1000};  // a read32 unanswered this long reads all-ones
  std::chrono::milliseconds send_timeout{1000};
};

class UsbDevice final : public Device {
 public:
  [[nodiscard]] static std::unique_ptr<UsbDevice> create(DeviceInfo info, std::unique_ptr<BulkPipe> pipe,
                                                         presence::Flag present,
                                                         std::shared_ptr<HotplugWatcher> watch = nullptr,
                                                         UsbDeviceOptions options = {});
  ~UsbDevice() override;

  const DeviceInfo& info() const noexcept override { return info_; }
  std::uint32_t read32(std::uint32_t offset) override;
  void write32(std::uint32_t offset, std::uint32_t value) override;
  Expected<std::unique_ptr<DmaBuffer>> alloc_dma(std::size_t bytes) override;
  Expected<void> wait_interrupt(std::chrono::milliseconds timeout) override;
  Expected<void> reset() override;
  bool present() const noexcept override { return present_->load(); }

 private:
  UsbDevice(DeviceInfo info, std::unique_ptr<BulkPipe> pipe, presence::Flag present,
            std::shared_ptr<HotplugWatcher> watch, UsbDeviceOptions options);
  void read_loop();
  void handle(const UsbMessage& message);
  void send(const UsbHeader& header, std::span<const std::byte> payload = {});
  void mark_lost();
  [[nodiscard]] Error lost() const;

  DeviceInfo info_;
  std::unique_ptr<BulkPipe> pipe_;
  presence::Flag present_;
  std::shared_ptr<HotplugWatcher> watch_;
  UsbDeviceOptions options_;
  std::shared_ptr<IovaAllocator> iovas_;
  std::shared_ptr<DmaTable> dma_;

  std::mutex send_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint32_t next_tag_ = 1;
  std::map<std::uint32_t, std::optional<std::uint32_t>> reads_;  // tag -> value once answered
  bool irq_pending_ = false;
  bool stop_ = false;
  std::thread reader_;  // last: started once everything above exists
};

}  // namespace npu::hal::usb
