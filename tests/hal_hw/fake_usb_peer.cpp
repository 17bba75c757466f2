#include "fake_usb_peer.hpp"

#include <chrono>

#include "npu_abi/regs.hpp"

namespace npu::test {

using namespace std::chrono_literals;
using hal::usb::UsbHeader;
using hal::usb::UsbMsg;

static std::uint16_t t(UsbMsg m) { return static_cast<std::uint16_t>(m); }

FakeUsbPeer::FakeUsbPeer(std::unique_ptr<hal::usb::BulkPipe> pipe) : pipe_(std::move(pipe)), thread_([this] { loop(); }) {}

FakeUsbPeer::~FakeUsbPeer() {
  stop_ = true;
  thread_.join();
}

std::uint32_t FakeUsbPeer::reg(std::uint32_t offset) {
  std::lock_guard lock(mutex_);
  return regs_[offset / 4];
}

void FakeUsbPeer::loop() {
  std::vector<std::byte> buffer(hal::usb::kUsbMaxMessage);
  while (!stop_) {
    auto n = pipe_->receive(buffer, 20ms);
    if (!n) {
      if (n.error().code() == ErrorCode::kTimeout) continue;
      return;  // unplugged
    }
    auto m = hal::usb::decode(std::span(buffer).first(*n));
    if (!m) continue;
    const UsbHeader& h = m->header;
    switch (static_cast<UsbMsg>(h.type)) {
      case UsbMsg::kRegWrite: {
        std::lock_guard lock(mutex_);
        if (h.addr < 4096) regs_[h.addr / 4] = h.value;
        break;
      }
      case UsbMsg::kRegRead: {
        if (silent_) break;
        std::uint32_t v;
        {
          std::lock_guard lock(mutex_);
          v = h.addr < 4096 ? regs_[h.addr / 4] : 0xffffffffu;
        }
        (void)pipe_->send(hal::usb::encode(UsbHeader{.type = t(UsbMsg::kRegValue), .tag = h.tag, .value = v}), 100ms);
        break;
      }
      case UsbMsg::kDmaData: {
        std::lock_guard lock(mutex_);
        if (h.flags & hal::usb::kUsbFlagError) dma_replies_[h.tag] = std::vector<std::byte>{};
        else dma_replies_[h.tag] = std::vector<std::byte>(m->payload.begin(), m->payload.end());
        break;
      }
      case UsbMsg::kReset: {
        std::lock_guard lock(mutex_);
        std::fill(regs_.begin(), regs_.end(), 0u);
        ++resets_;
        break;
      }
      default: break;
    }
  }
}

std::optional<std::vector<std::byte>> FakeUsbPeer::dma_read(std::uint64_t iova, std::uint32_t bytes) {
  std::uint32_t tag;
  {
    std::lock_guard lock(mutex_);
    tag = next_tag_++;
  }
  (void)pipe_->send(hal::usb::encode(UsbHeader{.type = t(UsbMsg::kDmaRead), .tag = tag, .addr = iova, .value = bytes}), 100ms);
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = dma_replies_.find(tag); it != dma_replies_.end()) {
        auto data = std::move(*it->second);
        dma_replies_.erase(it);
        if (data.empty()) return std::nullopt;
        return data;
      }
    }
    std::this_thread::sleep_for(5ms);
  }
  return std::nullopt;
}

void FakeUsbPeer::dma_write(std::uint64_t iova, const std::vector<std::byte>& data) {
  (void)pipe_->send(hal::usb::encode(UsbHeader{.type = t(UsbMsg::kDmaWrite), .addr = iova}, data), 100ms);
}

void FakeUsbPeer::raise_interrupt() {
  (void)pipe_->send(hal::usb::encode(UsbHeader{.type = t(UsbMsg::kInterrupt), .value = abi::reg::kIrqMailbox}), 100ms);
}

void FakeUsbPeer::send_raw(const std::vector<std::byte>& bytes) { (void)pipe_->send(bytes, 100ms); }

}  // namespace npu::test
