#include "fake_device.hpp"

#include <cstring>
#include <functional>


namespace npu::test {

namespace reg = abi::reg;

namespace {

class FakeDmaBuffer final : public hal::DmaBuffer {
 public:
  FakeDmaBuffer(std::size_t size, std::uint64_t iova, std::function<void()> on_free)
      : bytes_(size), iova_(iova), on_free_(std::move(on_free)) {}
  ~FakeDmaBuffer() override { on_free_(); }
  std::byte* data() noexcept override { return bytes_.data(); }
  std::size_t size() const noexcept override { return bytes_.size(); }
  std::uint64_t device_address() const noexcept override { return iova_; }

 private:
  std::vector<std::byte> bytes_;
  std::uint64_t iova_;
  std::function<void()> on_free_;
};

constexpr std::uint32_t ring_base(int ring) { return ring == 0 ? reg::kH2dRing : reg::kD2hRing; }

}  // namespace

FakeDevice::FakeDevice() : memory(1u << 20) {
  info_.id = "fake:0";
  info_.backend = "fake";
  info_.name = "scripted fake device";
  info_.abi_native = true;
  std::lock_guard lock(mutex_);
  regs_.fill(0);
  worker_ = std::thread([this] { worker(); });
}

FakeDevice::~FakeDevice() {
  stop_ = true;
  worker_.join();
}

std::uint32_t FakeDevice::read32(std::uint32_t offset) {
  if (!present_) return 0xffffffffu;
  std::lock_guard lock(mutex_);
  switch (offset) {
    case reg::kId: return abi::kDeviceMagic;
    case reg::kAbiVersion: return device_abi.load();
    default: return offset < reg::kBar0Size ? reg(offset) : 0xffffffffu;
  }
}

void FakeDevice::write32(std::uint32_t offset, std::uint32_t value) {
  if (!present_ || offset >= reg::kBar0Size) return;
  std::lock_guard lock(mutex_);
  switch (offset) {
    case reg::kIrqStatus: reg(offset) &= ~value; return;
    case reg::kIrqMask: reg(offset) = value; raise(0); return;
    case reg::kBootCtrl: if (value == reg::kBootStart) do_boot(); return;
    case reg::kDoorbell:
      if (value & reg::kDoorbellMailbox) do_mailbox();
      for (int ring = 0; ring < 2; ++ring) {
        if ((value & (ring == 0 ? reg::kDoorbellH2d : reg::kDoorbellD2h)) && !slow_rings) {
          while (process_one(ring)) {
          }
        }
      }
      return;
    default: break;
  }
  reg(offset) = value;
  for (int ring = 0; ring < 2; ++ring) {
    if (offset != ring_base(ring) + reg::kRingTail) continue;
    const std::uint32_t out = value - reg(ring_base(ring) + reg::kRingHead);
    if (out > reg(ring_base(ring) + reg::kRingSize)) ring_overrun = true;
    if (out > max_outstanding[ring]) max_outstanding[ring] = out;
  }
}

Expected<std::unique_ptr<hal::DmaBuffer>> FakeDevice::alloc_dma(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  const std::uint64_t iova = next_iova_;
  next_iova_ += (bytes + 0xfff) & ~std::uint64_t{0xfff};
  auto buf = std::make_unique<FakeDmaBuffer>(bytes, iova, [this, iova] {
    std::lock_guard l(mutex_);
    buffers_.erase(iova);
  });
  buffers_[iova] = {buf->data(), bytes};
  return std::unique_ptr<hal::DmaBuffer>(std::move(buf));
}

std::byte* FakeDevice::translate(std::uint64_t iova, std::size_t len) {
  auto it = buffers_.upper_bound(iova);
  if (it == buffers_.begin()) return nullptr;
  --it;
  const auto off = iova - it->first;
  if (off + len > it->second.second) return nullptr;
  return it->second.first + off;
}

Expected<void> FakeDevice::wait_interrupt(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  irq_cv_.wait_for(lock, timeout, [&] { return irq_pending_ || !present_; });
  if (!present_) return fail(ErrorCode::kDeviceLost, "fake device removed");
  if (!irq_pending_) return fail(ErrorCode::kTimeout, "no interrupt");
  irq_pending_ = false;
  return {};
}

Expected<void> FakeDevice::reset() {
  if (!present_) return fail(ErrorCode::kDeviceLost, "fake device removed");
  std::lock_guard lock(mutex_);
  regs_.fill(0);
  reg(reg::kStatus) = static_cast<std::uint32_t>(abi::DeviceState::kWaitFirmware);
  irq_pending_ = false;
  mailbox_silent = false;  // a reset cures a hung firmware
  ++resets;
  return {};
}

void FakeDevice::raise(std::uint32_t bits) {
  reg(reg::kIrqStatus) |= bits;
  if ((reg(reg::kIrqStatus) & reg(reg::kIrqMask)) != 0 && bits != 0 && !drop_interrupts) {
    irq_pending_ = true;
    irq_cv_.notify_all();
  }
}

void FakeDevice::do_boot() {
  ++boots;
  reg(reg::kStatus) = static_cast<std::uint32_t>(abi::DeviceState::kBooting);
  if (boot_silent) return;
  const std::uint64_t addr = reg(reg::kBootAddrLo) | (std::uint64_t{reg(reg::kBootAddrHi)} << 32);
  const std::uint32_t size = reg(reg::kBootSize);
  const std::byte* image = translate(addr, size);
  abi::BootError err = static_cast<abi::BootError>(boot_error.load());
  std::uint32_t magic = 0;
  if (image == nullptr) {
    err = abi::BootError::kDmaError;
  } else if (size >= 4) {
    std::memcpy(&magic, image, 4);
  }
  if (err == abi::BootError::kNone && magic != abi::kFirmwareMagic) err = abi::BootError::kBadMagic;
  if (err != abi::BootError::kNone) {
    reg(reg::kStatus) = static_cast<std::uint32_t>(abi::DeviceState::kBootFailed);
    reg(reg::kErrorCode) = static_cast<std::uint32_t>(err);
  } else {
    reg(reg::kStatus) = static_cast<std::uint32_t>(abi::DeviceState::kAlive);
    reg(reg::kFwVersion) = abi::make_fw_version(1, 0, 0);
  }
  raise(reg::kIrqBoot);
}

}  // namespace npu::test
