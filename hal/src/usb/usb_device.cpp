#include "usb/usb_device.hpp"

#include <cstring>
#include <fmt/format.h>
#include <vector>

#include "npu/common/log.hpp"
#include "npu/common/page.hpp"
#include "npu_abi/regs.hpp"

namespace npu::hal::usb {

// Host DMA buffers by IOVA, shared with the buffers so they can unregister after the device is gone.
class DmaTable {
 public:
  void add(std::uint64_t iova, std::byte* data, std::size_t size) {
    std::lock_guard lock(mutex_);
    ranges_[iova] = {data, size};
  }
  void remove(std::uint64_t iova) {
    std::lock_guard lock(mutex_);
    ranges_.erase(iova);
  }
  // Runs fn(pointer) with the table locked when [iova, iova+bytes) lies inside one buffer.
  template <class Fn>
  bool with_range(std::uint64_t iova, std::size_t bytes, Fn&& fn) {
    std::lock_guard lock(mutex_);
    auto it = ranges_.upper_bound(iova);
    if (it == ranges_.begin()) return false;
    --it;
    const auto [data, size] = it->second;
    if (iova + bytes > it->first + size || iova + bytes < iova) return false;
    fn(data + (iova - it->first));
    return true;
  }

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::pair<std::byte*, std::size_t>> ranges_;
};

namespace {

using namespace std::chrono_literals;

class UsbDmaBuffer final : public DmaBuffer {
 public:
  UsbDmaBuffer(std::shared_ptr<DmaTable> table, std::shared_ptr<IovaAllocator> iovas, std::byte* memory,
               std::size_t size, std::uint64_t iova)
      : table_(std::move(table)), iovas_(std::move(iovas)), memory_(memory), size_(size), iova_(iova) {
    table_->add(iova_, memory_, size_);
  }
  ~UsbDmaBuffer() override {
    table_->remove(iova_);
    iovas_->release(iova_, size_);
    std::free(memory_);
  }
  std::byte* data() noexcept override { return memory_; }
  std::size_t size() const noexcept override { return size_; }
  std::uint64_t device_address() const noexcept override { return iova_; }

 private:
  std::shared_ptr<DmaTable> table_;
  std::shared_ptr<IovaAllocator> iovas_;
  std::byte* memory_;
  std::size_t size_;
  std::uint64_t iova_;
};

std::uint16_t type_of(UsbMsg m) { return static_cast<std::uint16_t>(m); }

}  // namespace

std::unique_ptr<UsbDevice> UsbDevice::create(DeviceInfo info, std::unique_ptr<BulkPipe> pipe, presence::Flag present,
                                             std::shared_ptr<HotplugWatcher> watch, UsbDeviceOptions options) {
  return std::unique_ptr<UsbDevice>(
      new UsbDevice(std::move(info), std::move(pipe), std::move(present), std::move(watch), options));
}

UsbDevice::UsbDevice(DeviceInfo info, std::unique_ptr<BulkPipe> pipe, presence::Flag present,
                     std::shared_ptr<HotplugWatcher> watch, UsbDeviceOptions options)
    : info_(std::move(info)),
      pipe_(std::move(pipe)),
      present_(std::move(present)),
      watch_(std::move(watch)),
      options_(options),
      iovas_(std::make_shared<IovaAllocator>(1ull << 32, 1ull << 38, host_page_size())),
      dma_(std::make_shared<DmaTable>()),
      reader_([this] { read_loop(); }) {}

UsbDevice::~UsbDevice() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  reader_.join();  // the pipe (and its claimed interface) is released after the reader is gone
}

Error UsbDevice::lost() const {
  return Error(ErrorCode::kDeviceLost,
               fmt::format("device {} is gone (unplugged); plug it in again and reopen it", info_.id));
}

void UsbDevice::mark_lost() {
  present_->store(false);
  std::lock_guard lock(mutex_);
  cv_.notify_all();
}

void UsbDevice::send(const UsbHeader& header, std::span<const std::byte> payload) {
  if (!present()) return;
  std::lock_guard lock(send_mutex_);
  auto sent = pipe_->send(encode(header, payload), options_.send_timeout);
  if (!sent) {
    if (sent.error().code() == ErrorCode::kDeviceLost) mark_lost();
    else log().warn("{}: USB send failed: {}", info_.id, sent.error().what());
  }
}

void UsbDevice::read_loop() {
  std::vector<std::byte> buffer(kUsbMaxMessage);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    if (!present()) return;
    auto n = pipe_->receive(buffer, 50ms);
    if (!n) {
      if (n.error().code() == ErrorCode::kTimeout) continue;
      log().warn("{}: {}", info_.id, n.error().what());
      mark_lost();
      return;
    }
    auto message = decode(std::span(buffer).first(*n));
    if (!message) {
      log().warn("{}: dropped a malformed message: {}", info_.id, message.error().message());
      continue;
    }
    handle(*message);
  }
}

void UsbDevice::handle(const UsbMessage& m) {
  const UsbHeader& h = m.header;
  switch (static_cast<UsbMsg>(h.type)) {
    case UsbMsg::kRegValue: {
      std::lock_guard lock(mutex_);
      if (auto it = reads_.find(h.tag); it != reads_.end()) it->second = h.value;
      cv_.notify_all();
      return;
    }
    case UsbMsg::kInterrupt: {
      std::lock_guard lock(mutex_);
      irq_pending_ = true;
      cv_.notify_all();
      return;
    }
    case UsbMsg::kDmaRead: {
      UsbHeader reply{.type = type_of(UsbMsg::kDmaData), .tag = h.tag, .addr = h.addr};
      std::vector<std::byte> data(std::min<std::size_t>(h.value, kUsbMaxPayload));
      const bool ok = h.value <= kUsbMaxPayload &&
                      dma_->with_range(h.addr, data.size(), [&](const std::byte* p) { std::memcpy(data.data(), p, data.size()); });
      if (!ok) {
        log().warn("{}: device read {} bytes at unmapped IOVA {:#x}", info_.id, h.value, h.addr);
        reply.flags = kUsbFlagError;
        data.clear();
      }
      send(reply, data);
      return;
    }
    case UsbMsg::kDmaWrite: {
      if (!dma_->with_range(h.addr, m.payload.size(),
                            [&](std::byte* p) { std::memcpy(p, m.payload.data(), m.payload.size()); }))
        log().warn("{}: device wrote {} bytes to unmapped IOVA {:#x}", info_.id, m.payload.size(), h.addr);
      return;
    }
    default:
      log().warn("{}: unexpected USB message type {}", info_.id, h.type);
  }
}

std::uint32_t UsbDevice::read32(std::uint32_t offset) {
  if (!present()) return 0xffffffffu;
  std::uint32_t tag;
  {
    std::lock_guard lock(mutex_);
    tag = next_tag_++;
    reads_[tag] = std::nullopt;
  }
  send(UsbHeader{.type = type_of(UsbMsg::kRegRead), .tag = tag, .addr = offset});
  std::unique_lock lock(mutex_);
  const bool answered = cv_.wait_for(lock, options_.register_timeout, [&] { return reads_[tag].has_value() || !present(); });
  const std::uint32_t value = answered && reads_[tag] ? *reads_[tag] : 0xffffffffu;
  reads_.erase(tag);
  if (!answered) log().warn("{}: register {:#x} read got no answer in {} ms", info_.id, offset, options_.register_timeout.count());
  return value;
}

void UsbDevice::write32(std::uint32_t offset, std::uint32_t value) {
  send(UsbHeader{.type = type_of(UsbMsg::kRegWrite), .addr = offset, .value = value});
}

Expected<std::unique_ptr<DmaBuffer>> UsbDevice::alloc_dma(std::size_t bytes) {
  if (!present()) return fail(lost());
  if (bytes == 0) return fail(ErrorCode::kInvalidArgument, "alloc_dma of 0 bytes");
  const std::size_t page = host_page_size();
  const std::size_t size = align_up(bytes, page);
  auto* memory = static_cast<std::byte*>(std::aligned_alloc(page, size));
  if (!memory) return fail(ErrorCode::kOutOfMemory, fmt::format("cannot allocate {} bytes of DMA memory", size));
  std::memset(memory, 0, size);
  const auto iova = iovas_->allocate(size);
  if (!iova) {
    std::free(memory);
    return fail(ErrorCode::kOutOfMemory, fmt::format("device address space of {} exhausted", info_.id));
  }
  return std::make_unique<UsbDmaBuffer>(dma_, iovas_, memory, size, *iova);
}

Expected<void> UsbDevice::wait_interrupt(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return irq_pending_ || !present(); });
  if (!present()) return fail(lost());
  if (!irq_pending_)
    return fail(ErrorCode::kTimeout, fmt::format("no interrupt from {} within {} ms", info_.id, timeout.count()));
  irq_pending_ = false;
  return {};
}

Expected<void> UsbDevice::reset() {
  if (!present()) return fail(lost());
  send(UsbHeader{.type = type_of(UsbMsg::kReset)});
  {
    std::lock_guard lock(mutex_);
    irq_pending_ = false;
  }
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  for (;;) {
    const std::uint32_t status = read32(abi::reg::kStatus);
    if (!present()) return fail(lost());
    if (status == static_cast<std::uint32_t>(abi::DeviceState::kWaitFirmware)) return {};
    if (std::chrono::steady_clock::now() >= deadline)
      return fail(ErrorCode::kTimeout, fmt::format("{} did not come back from reset within 2 s", info_.id));
    std::this_thread::sleep_for(1ms);
  }
}

}  // namespace npu::hal::usb
