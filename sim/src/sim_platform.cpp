// The fw::Platform side of the simulated device: what the firmware on the control core sees —
// registers, mailbox windows, host memory via IOVA, device memory, the DMA engine, modeled time.
#include <cstring>
#include <vector>

#include "npu/common/log.hpp"
#include "sim_device_impl.hpp"

namespace npu::sim {

namespace reg = abi::reg;

std::uint32_t SimDeviceImpl::read_reg(std::uint32_t offset) {
  if (offset == reg::kRunProgress) return run_progress_.load(std::memory_order_acquire);
  std::lock_guard lock(mutex_);
  return offset < reg::kBar0Size ? regs_[offset / 4] : 0;
}

void SimDeviceImpl::write_reg(std::uint32_t offset, std::uint32_t value) {
  if (offset == reg::kRunProgress) {  // written after every op of a RUN: no lock (see run_progress_)
    run_progress_.store(value, std::memory_order_release);
    return;
  }
  std::lock_guard lock(mutex_);
  if (offset >= reg::kBar0Size) return;
  const bool timer = offset == reg::kStatus || offset == reg::kHeartbeatPeriodUs;
  if (timer) (void)heartbeat_locked();  // beats before the change
  regs_[offset / 4] = value;
  if (timer) (void)heartbeat_locked();  // the timer starts or stops with it
}

void SimDeviceImpl::raise_irq(std::uint32_t bits) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    regs_[reg::kIrqStatus / 4] |= bits;
    if (deliver_irq_locked(bits)) {
      // Interrupt moderation: the interrupt of a step run in the thread that rang for it is
      // already seen by that thread (its command is done when its doorbell write returns), so a
      // blocked waiter is woken for it at most once per kIrqModeration; one raised within the
      // window stays latched (IRQ_STATUS, the line's edge) and the waiter finds it when the window
      // closes (wait_interrupt). Interrupts of steps on the control-core thread wake at once.
      const auto now = std::chrono::steady_clock::now();
      wake = !step_in_host_thread_ || now - irq_woken_at_ >= kIrqModeration;
      if (wake) irq_woken_at_ = now;
    }
  }
  // Notified after unlocking: a waiter woken under the lock would only block on it again.
  if (wake) irq_cv_.notify_all();
}

abi::MboxMessage SimDeviceImpl::read_mailbox_request() {
  abi::MboxMessage m;
  std::lock_guard lock(mutex_);
  std::memcpy(&m, &regs_[reg::kMboxReq / 4], sizeof(m));
  return m;
}

void SimDeviceImpl::write_mailbox_response(const abi::MboxMessage& message) {
  std::lock_guard lock(mutex_);
  std::memcpy(&regs_[reg::kMboxResp / 4], &message, sizeof(message));
}

fw::Cost SimDeviceImpl::charge(const WorkItem& item) { return charge(item, timing_->cost(item)); }

fw::Cost SimDeviceImpl::charge(const WorkItem& item, const ItemCost& cost) {
  const Charge c = timing_->charge(item, cost, timing_->now());
  cycles_.store(timing_->now(), std::memory_order_relaxed);  // a snapshot for CYCLES reads
  return fw::Cost{c.start, c.end, c.compute_cycles, c.memory_cycles, c.ddr_bytes, c.energy_j, c.memory_bound};
}

fw::Cost SimDeviceImpl::charge_control(fw::ControlTask task) {
  WorkItem item;
  item.kind = WorkKind::kControl;
  item.label = task == fw::ControlTask::kBoot ? "boot" : "mailbox";
  if (task == fw::ControlTask::kBoot) item.control_ns = static_cast<std::uint64_t>(config_.profile.boot_ns);
  return charge(item);
}

fw::Cost SimDeviceImpl::charge_context_load(std::uint64_t bytes, std::string_view label) {
  WorkItem item;
  item.kind = WorkKind::kContextSwitch;
  item.label = label;
  item.bytes = bytes;
  return charge(item);
}

abi::DmaStatus SimDeviceImpl::copy_dma(bool h2d, const abi::DmaDescriptor& d) {
  if ((d.flags & abi::kDmaNoData) != 0) return abi::DmaStatus::kDone;
  std::byte* direct = ddr_.contiguous(d.device_addr, d.length);
  std::vector<std::byte> bounce;
  if (!direct) {
    bounce.resize(d.length);
    if (!h2d && !ddr_.read(d.device_addr, bounce)) return abi::DmaStatus::kBadDeviceAddress;
  }
  std::span<std::byte> buf = direct ? std::span(direct, d.length) : std::span(bounce);
  if (h2d) {
    if (!iova_.read(d.host_addr, buf)) return abi::DmaStatus::kBadHostAddress;
    if (!direct && !ddr_.write(d.device_addr, buf)) return abi::DmaStatus::kBadDeviceAddress;
  } else if (!iova_.write(d.host_addr, buf)) {
    return abi::DmaStatus::kBadHostAddress;
  }
  return abi::DmaStatus::kDone;
}

fw::DmaOutcome SimDeviceImpl::dma_transfer(fw::DmaDirection direction, const abi::DmaDescriptor& d) {
  if (fire(FaultTrigger::kDma)) return {abi::DmaStatus::kTransferError, {}};
  const bool h2d = direction == fw::DmaDirection::kHostToDevice;
  if (dma_error_armed_) {
    dma_error_armed_ = false;
    log().debug("sim: DMA descriptor cookie {} fails (injected dma_error)", d.cookie);
    return {abi::DmaStatus::kTransferError, {}};
  }
  if (!ddr_.contains(d.device_addr, d.length)) return {abi::DmaStatus::kBadDeviceAddress, {}};
  if (memory_error_armed_) {
    memory_error_armed_ = false;
    pending_fault_ = abi::FaultCode::kMemoryError;
    core_stopped_ = true;
    return {abi::DmaStatus::kTransferError, {}};
  }
  if (const abi::DmaStatus s = copy_dma(h2d, d); s != abi::DmaStatus::kDone) return {s, {}};
  WorkItem item;
  item.kind = h2d ? WorkKind::kDmaH2D : WorkKind::kDmaD2H;
  item.label = h2d ? "h2d" : "d2h";
  item.bytes = d.length;
  item.descriptors = 1;
  fw::Cost cost = charge(item);
  if (h2d && (d.flags & abi::kDmaPlace) != 0) {
    // The runtime on the control core writes the weights into their final layout (the profile's
    // placement rate), after the transfer; the descriptor completes when they are placed.
    WorkItem place;
    place.kind = WorkKind::kControl;
    place.label = "place weights";
    place.bytes = d.length;
    const fw::Cost p = charge(place);
    cost.end = p.end;
    cost.compute_cycles += p.compute_cycles;
    cost.memory_cycles += p.memory_cycles;
    cost.ddr_bytes += p.ddr_bytes;
    cost.energy_j += p.energy_j;
  }
  return {abi::DmaStatus::kDone, cost};
}

}  // namespace npu::sim
