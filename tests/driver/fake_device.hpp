// FakeDevice: a scripted hal::Device for driver unit tests. A register file plus a tiny firmware
// that boots (checking only the image magic), answers the mailbox and processes DMA rings against
// a small device memory. Knobs script misbehaviour: refuse the boot, never answer, drop
// interrupts, process rings slowly from a worker thread, fail a DMA, fault, disappear.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "npu/hal/device.hpp"
#include "npu_abi/abi.hpp"

namespace npu::test {

class FakeDevice final : public hal::Device {
 public:
  FakeDevice();
  ~FakeDevice() override;

  // --- hal::Device
  const hal::DeviceInfo& info() const noexcept override { return info_; }
  std::uint32_t read32(std::uint32_t offset) override;
  void write32(std::uint32_t offset, std::uint32_t value) override;
  Expected<std::unique_ptr<hal::DmaBuffer>> alloc_dma(std::size_t bytes) override;
  Expected<void> wait_interrupt(std::chrono::milliseconds timeout) override;
  Expected<void> reset() override;
  bool present() const noexcept override { return present_.load(); }

  // --- script knobs (set before the operation they affect)
  std::atomic<std::uint32_t> boot_error{0};          // BootError to report (0 = boot fine)
  std::atomic<bool> boot_silent{false};               // never finish booting
  std::atomic<bool> mailbox_silent{false};            // never answer (until reset)
  std::atomic<bool> drop_interrupts{false};           // latch IRQ_STATUS but never signal
  std::atomic<bool> slow_rings{false};                // worker thread, one descriptor per tick
  std::atomic<std::int64_t> dma_fail_after{-1};       // descriptors until one fails (kTransferError)
  std::atomic<std::uint32_t> fault_on_run{0};         // FaultCode raised by the next RUN
  std::atomic<bool> present_{true};
  std::atomic<std::uint32_t> device_abi{abi::kAbiVersion};
  std::atomic<std::uint32_t> firmware_abi{abi::kAbiVersion};  // reported by IDENTIFY

  // --- observations
  std::atomic<std::uint32_t> resets{0};
  std::atomic<std::uint32_t> boots{0};
  std::atomic<std::uint32_t> max_outstanding[2]{};  // per ring (0 = H2D): max TAIL - HEAD seen
  std::atomic<bool> ring_overrun{false};              // TAIL - HEAD ever exceeded the ring size
  std::vector<std::byte> memory;                      // device memory (1 MiB)

 private:
  std::uint32_t& reg(std::uint32_t offset) { return regs_[offset / 4]; }
  void raise(std::uint32_t bits);              // caller holds mutex_
  void do_boot();                              // caller holds mutex_
  void do_mailbox();                           // caller holds mutex_
  bool process_one(int ring);                  // caller holds mutex_; false if ring empty
  std::byte* translate(std::uint64_t iova, std::size_t len);
  void worker();

  hal::DeviceInfo info_;
  std::mutex mutex_;
  std::condition_variable irq_cv_;
  bool irq_pending_ = false;
  std::array<std::uint32_t, abi::reg::kBar0Size / 4> regs_{};
  std::map<std::uint64_t, std::pair<std::byte*, std::size_t>> buffers_;  // iova -> host memory
  std::uint64_t next_iova_ = 0x10000000;
  std::atomic<bool> stop_{false};
  std::thread worker_;
};

// Writes a minimal image with a valid header (CRCs included) to `path`.
void write_test_image(const std::string& path, std::uint32_t abi_version = abi::kAbiVersion,
                      std::size_t payload = 256);

}  // namespace npu::test
