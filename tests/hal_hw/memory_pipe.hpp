// Two connected in-memory BulkPipes (host end, device end) with an unplug switch: after unplug()
// both ends fail with kDeviceLost, as libusb does with LIBUSB_ERROR_NO_DEVICE.
#pragma once

#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "usb/bulk_pipe.hpp"

namespace npu::test {

class MemoryLink {
 public:
  struct Queue {
    std::deque<std::vector<std::byte>> messages;
  };

  class End final : public hal::usb::BulkPipe {
   public:
    End(std::shared_ptr<MemoryLink> link, Queue* out, Queue* in) : link_(std::move(link)), out_(out), in_(in) {}
    Expected<void> send(std::span<const std::byte> m, std::chrono::milliseconds) override {
      std::lock_guard lock(link_->mutex_);
      if (link_->unplugged_) return fail(ErrorCode::kDeviceLost, "unplugged");
      out_->messages.emplace_back(m.begin(), m.end());
      link_->cv_.notify_all();
      return {};
    }
    Expected<std::size_t> receive(std::span<std::byte> buffer, std::chrono::milliseconds timeout) override {
      std::unique_lock lock(link_->mutex_);
      link_->cv_.wait_for(lock, timeout, [&] { return link_->unplugged_ || !in_->messages.empty(); });
      if (link_->unplugged_) return fail(ErrorCode::kDeviceLost, "unplugged");
      if (in_->messages.empty()) return fail(ErrorCode::kTimeout, "nothing received");
      auto m = std::move(in_->messages.front());
      in_->messages.pop_front();
      if (m.size() > buffer.size()) return fail(ErrorCode::kIo, "message larger than the buffer");
      std::memcpy(buffer.data(), m.data(), m.size());
      return m.size();
    }

   private:
    std::shared_ptr<MemoryLink> link_;
    Queue* out_;
    Queue* in_;
  };

  static std::shared_ptr<MemoryLink> create() { return std::make_shared<MemoryLink>(); }
  std::unique_ptr<End> host_end(const std::shared_ptr<MemoryLink>& self) {
    return std::make_unique<End>(self, &to_device_, &to_host_);
  }
  std::unique_ptr<End> device_end(const std::shared_ptr<MemoryLink>& self) {
    return std::make_unique<End>(self, &to_host_, &to_device_);
  }
  void unplug() {
    std::lock_guard lock(mutex_);
    unplugged_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool unplugged_ = false;
  Queue to_device_;
  Queue to_host_;
};

}  // namespace npu::test
