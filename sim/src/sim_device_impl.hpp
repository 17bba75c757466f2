// The simulated device: SimDevice (what the host sees) and fw::Platform (what the firmware on its
// control core sees) in one object. Internal to npu_sim.
//
// Threads and locks: host threads call read32/write32/wait_interrupt/reset. The firmware runs one
// event at a time, holding exec_mutex_ for the whole step (so a reset waits for the step to end
// and then finds a quiet device): a doorbell (or BOOT_CTRL) that finds the control core idle runs
// its step at once in the thread that wrote it, so the write returns with the command done and no
// thread is woken; one that finds it busy, and a RUN that computes values (which may be long, and
// which the host bounds by its timeouts while it runs), are left pending for the control-core
// thread, which runs them in order. mutex_ guards the register file, interrupt state, pending
// events and who is running a step; it is taken briefly, after exec_mutex_ when both are held.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "device_memory.hpp"
#include "fault_injector.hpp"
#include "iova_table.hpp"
#include "npu/firmware/firmware.hpp"
#include "npu/sim/sim_device.hpp"
#include "op_cost_cache.hpp"
#include "npu_abi/regs.hpp"

namespace npu::sim {

class SimDeviceImpl final : public SimDevice, private fw::Platform {
 public:
  SimDeviceImpl(SimConfig config, std::unique_ptr<TimingModel> timing);
  ~SimDeviceImpl() override;

  // SimDevice
  std::uint32_t read32(std::uint32_t offset) override;
  void write32(std::uint32_t offset, std::uint32_t value) override;
  WaitResult wait_interrupt(std::chrono::milliseconds timeout) override;
  void reset() override;
  bool present() const noexcept override { return !removed_.load(); }
  std::uint64_t map_host(std::byte* host, std::size_t bytes) override { return iova_.map(host, bytes); }
  void unmap_host(std::uint64_t iova) override { iova_.unmap(iova); }
  void set_fault_plan(FaultPlan plan) override { faults_.set_plan(std::move(plan)); }
  Cycles cycles() const noexcept override { return cycles_.load(); }
  std::uint64_t ddr_resident_bytes() const override;
  void enable_trace(bool on) override;
  std::string trace_json() override;
  const DeviceProfile& profile() const noexcept override { return config_.profile; }
  std::uint64_t control_core_host_ns() const noexcept override;

 private:
  // fw::Platform (called on the control core)
  const fw::HardwareInfo& hardware() const override { return hw_; }
  std::uint32_t read_reg(std::uint32_t offset) override;
  void write_reg(std::uint32_t offset, std::uint32_t value) override;
  void raise_irq(std::uint32_t bits) override;
  abi::MboxMessage read_mailbox_request() override;
  void write_mailbox_response(const abi::MboxMessage& message) override;
  bool read_host(std::uint64_t iova, std::span<std::byte> out) override { return iova_.read(iova, out); }
  bool write_host(std::uint64_t iova, std::span<const std::byte> in) override { return iova_.write(iova, in); }
  bool read_device(std::uint64_t address, std::span<std::byte> out) override { return ddr_.read(address, out); }
  fw::DmaOutcome dma_transfer(fw::DmaDirection direction, const abi::DmaDescriptor& descriptor) override;
  fw::OpOutcome execute_op(const fw::OpRequest& request) override;
  fw::OpBatchOutcome execute_timing_only_ops(fw::OpRequest request, std::span<const abi::OpDesc> ops,
                                             std::span<fw::Cost> costs) override;
  fw::Cost charge_control(fw::ControlTask task) override;
  fw::Cost charge_context_load(std::uint64_t bytes, std::string_view label) override;
  fw::Cycles now() const override { return timing_->now(); }
  fw::Cycles busy_cycles() const override { return timing_->busy_cycles(); }
  double energy_j() const override { return timing_->energy_j(); }
  double dynamic_energy_j() const override { return timing_->totals().dynamic_energy_j; }
  bool core_running() const override { return !core_stopped_ && !hung_.load() && !removed_.load(); }

  // Control core (control_core.cpp).
  enum Event : std::uint32_t { kEvBoot = 1, kEvMailbox = 2, kEvH2d = 4, kEvD2h = 8 };
  void control_loop();
  // Takes the next pending event (fixed order, so runs are deterministic) and marks the core
  // busy; 0 when there is none. Caller holds mutex_ and the core is idle.
  std::uint32_t take_event_locked();
  // Runs `event` as one step unless a reset came after `epoch` was read; then marks the core
  // idle. Called without mutex_; `lock` (on mutex_) is unlocked and locked again.
  void run_step(std::unique_lock<std::mutex>& lock, std::uint32_t event, bool in_host_thread);
  // The doorbell path: runs the pending events in the writing thread while the core is idle
  // (called with mutex_ held through `lock`, which it releases).
  void run_in_host_thread(std::unique_lock<std::mutex>& lock);
  // Whether the device computes values: a pending RUN that computes them, or, for any other
  // command, the last RUN did (computing_). Such work goes to the control-core thread: a RUN may
  // take long and the host bounds it by its timeouts and RUN_PROGRESS while it runs, and sessions
  // sharing the device take turns at the pace of those hand-offs. Timing-only work (and work
  // before any RUN) runs in the ringing thread. Caller holds mutex_.
  [[nodiscard]] bool computes_values_locked();
  void step(std::uint32_t event);
  // Counts a trigger event and applies the faults that fire; true if the core stopped.
  bool fire(FaultTrigger trigger);
  fw::Cost charge(const WorkItem& item);
  fw::Cost charge(const WorkItem& item, const ItemCost& cost);  // cost = timing_->cost(item)
  // Copies one descriptor's data (unless kDmaNoData); kDone or the status to report.
  abi::DmaStatus copy_dma(bool h2d, const abi::DmaDescriptor& descriptor);

  void init_registers();  // caller holds mutex_
  // Counts the heartbeat up to now and starts or stops the timer with the device state; returns
  // HEARTBEAT. Caller holds mutex_; called on every read and every change of STATUS.
  std::uint32_t heartbeat_locked();
  // Raises the interrupt line (unless masked or an injected loss eats it); true when waiters
  // must be notified (by the caller, once it has released mutex_).
  [[nodiscard]] bool deliver_irq_locked(std::uint32_t bits);

  SimConfig config_;
  std::unique_ptr<TimingModel> timing_;
  fw::HardwareInfo hw_;
  DeviceMemory ddr_;
  IovaTable iova_;
  FaultInjector faults_;
  fw::Firmware firmware_;

  mutable std::mutex mutex_;
  std::condition_variable core_cv_;
  std::condition_variable irq_cv_;
  std::array<std::uint32_t, abi::reg::kBar0Size / 4> regs_{};
  // RUN_PROGRESS lives outside regs_: the firmware writes it after every op of a RUN while the
  // host polls it, and a lock there would make the two threads contend once per op.
  std::atomic<std::uint32_t> run_progress_{0};
  std::uint32_t cycles_hi_latch_ = 0;
  std::uint32_t pending_ = 0;
  bool core_busy_ = false;  // a step is running (on the control-core thread or a host thread)
  bool computing_ = false;  // the last RUN rung computed values (computes_values_locked)
  bool irq_edge_ = false;
  // Interrupt moderation (see raise_irq): when a blocked waiter was last woken by an interrupt.
  // Well below the driver's interrupt poll interval, so a moderated interrupt is never taken for
  // a lost one.
  static constexpr std::chrono::microseconds kIrqModeration{1000};
  std::chrono::steady_clock::time_point irq_woken_at_{};
  bool lose_next_irq_ = false;
  bool stop_ = false;
  std::atomic<bool> hung_{false};
  std::atomic<bool> removed_{false};
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<Cycles> cycles_{0};
  // Host time of the steps run in host threads (wall clock: an overestimate when preempted).
  std::atomic<std::uint64_t> host_thread_step_ns_{0};
  // The firmware's heartbeat timer (ABI 1.2) in host time: HEARTBEAT advances every
  // HEARTBEAT_PERIOD_US while the program runs (alive, not hung). Guarded by mutex_.
  std::uint32_t beats_ = 0;  // beats counted up to *beat_since_
  std::optional<std::chrono::steady_clock::time_point> beat_since_;  // set while ticking

  mutable std::mutex exec_mutex_;
  // Control-core state, guarded by exec_mutex_.
  bool core_stopped_ = false;
  bool dma_error_armed_ = false;
  bool memory_error_armed_ = false;
  bool tracing_ = false;  // label work items (for the timing model's trace)
  bool step_in_host_thread_ = false;  // the step running now was rung by the thread running it
  OpCostCache op_costs_;
  const OpCostRules cost_rules_ = OpCostRules::of(config_.profile);  // after config_
  std::optional<abi::FaultCode> pending_fault_;

  std::thread core_;  // last: started after everything above exists
};

}  // namespace npu::sim
