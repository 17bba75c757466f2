// fw::Firmware: the device-side control program. The platform's control core calls one entry
// point per event (boot request, mailbox doorbell, ring doorbell, reset); each runs to completion,
// updates registers and raises interrupts through the Platform, as the real firmware would.
#pragma once

#include <memory>

#include "npu/firmware/platform.hpp"
#include "npu_abi/regs.hpp"

namespace npu::fw {

class ContextTable;
class ProfileBuffer;
class MailboxProcessor;
class DmaRingProcessor;
struct BootState;

struct FirmwareStats {
  std::uint64_t runs = 0;
  std::uint64_t context_switches = 0;
  std::uint64_t h2d_bytes = 0;
  std::uint64_t d2h_bytes = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint64_t mailbox_requests = 0;
};

class Firmware {
 public:
  // The period of the heartbeat (HEARTBEAT_PERIOD_US, ABI 1.2): the control core's timer interrupt
  // advances HEARTBEAT this often while the program runs, whatever command it is serving.
  static constexpr std::uint32_t kHeartbeatPeriodUs = 10'000;

  explicit Firmware(Platform& platform);
  ~Firmware();
  Firmware(const Firmware&) = delete;
  Firmware& operator=(const Firmware&) = delete;

  // Boot ROM: DMAs the image named by BOOT_ADDR/BOOT_SIZE, checks it, and sets STATUS to kAlive
  // (FW_VERSION set) or kBootFailed (ERROR_CODE = BootError); raises kIrqBoot either way.
  void boot();
  // Serves the request in the mailbox window (no-op unless alive).
  void on_mailbox_doorbell();
  // Processes the ring's descriptors from HEAD to TAIL (no-op unless alive).
  void on_ring_doorbell(DmaDirection direction);
  // Device reset: all firmware state (contexts, stats, manifest) is dropped.
  void reset();
  // The control program stops with a fault: STATUS kFaulted, ERROR_CODE, kIrqFault.
  void fault(abi::FaultCode code);

  [[nodiscard]] bool alive() const noexcept;
  [[nodiscard]] const FirmwareStats& stats() const noexcept { return stats_; }

 private:
  [[nodiscard]] abi::BootError check_and_start();

  Platform& platform_;
  FirmwareStats stats_;
  std::unique_ptr<ProfileBuffer> profile_;  // before the processors that record into it
  std::unique_ptr<ContextTable> contexts_;
  std::unique_ptr<MailboxProcessor> mailbox_;
  std::unique_ptr<DmaRingProcessor> rings_;
  std::unique_ptr<BootState> boot_;  // set while alive
};

}  // namespace npu::fw
