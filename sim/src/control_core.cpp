// The control core: runs the firmware for each doorbell and boot request, one at a time — in the
// thread that rang when the core is idle, else on its own thread, which waits for the rest; it also applies injected faults at their triggers, and keeps the firmware's
// heartbeat timer (a timer interrupt, so it beats whatever command the core is busy with).
#include <chrono>
#include <cstring>
#include <ctime>

#include <pthread.h>

#include "npu/common/log.hpp"
#include "sim_device_impl.hpp"

namespace npu::sim {

namespace reg = abi::reg;

// The control-core thread's CPU clock (not wall time: on a loaded host a thread also waits to
// run), read from any thread, plus the steps run in host threads.
std::uint64_t SimDeviceImpl::control_core_host_ns() const noexcept {
  clockid_t clock{};
  timespec t{};
  std::uint64_t thread_ns = 0;
  if (::pthread_getcpuclockid(const_cast<std::thread&>(core_).native_handle(), &clock) == 0 &&
      ::clock_gettime(clock, &t) == 0)
    thread_ns = static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(t.tv_nsec);
  return thread_ns + host_thread_step_ns_.load(std::memory_order_relaxed);
}

std::uint32_t SimDeviceImpl::take_event_locked() {
  if (pending_ != 0 && (hung_ || removed_)) pending_ = 0;  // nobody is listening
  if (pending_ == 0) return 0;
  // Fixed order keeps runs deterministic when several doorbells are pending at once.
  std::uint32_t event = kEvBoot;
  while ((pending_ & event) == 0) event <<= 1;
  pending_ &= ~event;
  core_busy_ = true;
  return event;
}

void SimDeviceImpl::run_step(std::unique_lock<std::mutex>& lock, std::uint32_t event, bool in_host_thread) {
  const std::uint64_t epoch = epoch_.load();
  lock.unlock();
  {
    std::lock_guard exec(exec_mutex_);
    step_in_host_thread_ = in_host_thread;
    if (epoch == epoch_.load()) step(event);  // a reset in between dropped this event
    step_in_host_thread_ = false;
  }
  lock.lock();
  core_busy_ = false;
}

void SimDeviceImpl::control_loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    // Every change that gives the core work (a doorbell it did not take in the writing thread,
    // the end of such a step with work left, BOOT_CTRL, stopping) notifies, so the core sleeps
    // without a timeout: no timer to arm and cancel around every host command.
    const std::uint32_t event = core_busy_ ? 0 : take_event_locked();
    if (event == 0) {
      core_cv_.wait(lock);
      continue;
    }
    run_step(lock, event, false);
  }
}

void SimDeviceImpl::run_in_host_thread(std::unique_lock<std::mutex>& lock) {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  // Only the events pending now: a thread ringing meanwhile does not keep this one here.
  const std::uint32_t mine = pending_;
  std::uint32_t event = 0;
  while (!core_busy_ && (pending_ & mine) != 0 && (event = take_event_locked()) != 0) {
    run_step(lock, event, true);
  }
  const bool more = pending_ != 0 && !core_busy_;  // rung while this thread ran: the core's work
  lock.unlock();
  if (more) core_cv_.notify_all();
  host_thread_step_ns_.fetch_add(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - started).count()),
      std::memory_order_relaxed);
}

bool SimDeviceImpl::fire(FaultTrigger trigger) {
  for (FaultKind kind : faults_.hit(trigger)) {
    log().info("sim: injected fault {} at {}", to_string(kind), to_string(trigger));
    switch (kind) {
      case FaultKind::kFirmwareCrash:
        pending_fault_ = abi::FaultCode::kFirmwareCrash;
        core_stopped_ = true;
        break;
      case FaultKind::kFirmwareHang: {
        std::lock_guard lock(mutex_);
        (void)heartbeat_locked();  // the beats up to now count; from here on it stands still
        hung_ = true;
        break;
      }
      case FaultKind::kDeviceRemoval: {
        std::lock_guard lock(mutex_);
        removed_ = true;
        irq_cv_.notify_all();
        break;
      }
      case FaultKind::kLostInterrupt: {
        std::lock_guard lock(mutex_);
        lose_next_irq_ = true;
        break;
      }
      case FaultKind::kDmaError: dma_error_armed_ = true; break;
      case FaultKind::kMemoryError: memory_error_armed_ = true; break;
    }
  }
  return !core_running();
}

void SimDeviceImpl::step(std::uint32_t event) {
  core_stopped_ = false;
  switch (event) {
    case kEvBoot:
      if (!fire(FaultTrigger::kBoot)) firmware_.boot();
      break;
    case kEvMailbox: {
      bool stopped = fire(FaultTrigger::kMailbox);
      std::uint16_t opcode = 0;
      {
        std::lock_guard lock(mutex_);
        std::memcpy(&opcode, &regs_[reg::kMboxReq / 4], sizeof(opcode));
      }
      if (!stopped && opcode == static_cast<std::uint16_t>(abi::MboxOpcode::kRun)) stopped = fire(FaultTrigger::kRun);
      if (!stopped && opcode == static_cast<std::uint16_t>(abi::MboxOpcode::kLoadContext))
        stopped = fire(FaultTrigger::kLoad);
      if (!stopped) firmware_.on_mailbox_doorbell();
      break;
    }
    case kEvH2d: firmware_.on_ring_doorbell(fw::DmaDirection::kHostToDevice); break;
    case kEvD2h: firmware_.on_ring_doorbell(fw::DmaDirection::kDeviceToHost); break;
    default: break;
  }
  // An armed memory error nothing consumed still hits within the step that triggered it.
  if (memory_error_armed_ && !hung_ && !removed_) {
    memory_error_armed_ = false;
    pending_fault_ = abi::FaultCode::kMemoryError;
  }
  if (pending_fault_ && !hung_ && !removed_) {
    core_stopped_ = false;
    firmware_.fault(*pending_fault_);
  }
  pending_fault_.reset();
  cycles_ = timing_->now();
}

std::uint32_t SimDeviceImpl::heartbeat_locked() {
  using clock = std::chrono::steady_clock;
  const auto now = clock::now();
  const std::chrono::microseconds period(regs_[reg::kHeartbeatPeriodUs / 4]);
  if (beat_since_ && period.count() > 0) {
    const auto beats = (now - *beat_since_) / period;
    beats_ += static_cast<std::uint32_t>(beats);
    *beat_since_ += beats * period;
  }
  const bool ticking = period.count() > 0 && !hung_.load() && !removed_.load() &&
                       regs_[reg::kStatus / 4] == static_cast<std::uint32_t>(abi::DeviceState::kAlive);
  if (!ticking) {
    beat_since_.reset();
  } else if (!beat_since_) {
    beat_since_ = now;
  }
  return beats_;
}

}  // namespace npu::sim
