#include "npu/driver/irq_dispatcher.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "npu/common/log.hpp"
#include "npu/driver/error_text.hpp"
#include "npu_abi/regs.hpp"

namespace npu::driver {

namespace reg = abi::reg;
using Clock = std::chrono::steady_clock;

// How long the thread blocks in wait_interrupt before checking whether it should stop.
constexpr std::chrono::milliseconds kThreadSlice{20};

Expected<std::unique_ptr<IrqDispatcher>> IrqDispatcher::create(
    hal::Device& device, std::chrono::milliseconds poll_interval) {
  if (poll_interval.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "interrupt poll interval must be positive");
  }
  std::unique_ptr<IrqDispatcher> d(new IrqDispatcher(device, poll_interval));
  d->thread_ = std::thread([raw = d.get()] { raw->run(); });
  return d;
}

IrqDispatcher::IrqDispatcher(hal::Device& device, std::chrono::milliseconds poll_interval)
    : device_(device), poll_interval_(poll_interval) {}

IrqDispatcher::~IrqDispatcher() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void IrqDispatcher::run() {
  while (!stop_) {
    auto r = device_.wait_interrupt(kThreadSlice);
    if (!r) {
      if (r.error().code() == ErrorCode::kTimeout) continue;
      if (r.error().code() == ErrorCode::kDeviceLost || !device_.present()) {
        log().error("device {}: lost ({})", device_.info().id, r.error().message());
        device_lost_ = true;
        cv_.notify_all();
        return;
      }
      log().warn("device {}: waiting for an interrupt failed: {}", device_.info().id,
                 r.error().what());
      std::this_thread::sleep_for(kThreadSlice);
      continue;
    }
    const std::uint32_t status = device_.read32(reg::kIrqStatus);
    if (status == 0xffffffffu && !device_.present()) {
      device_lost_ = true;
      cv_.notify_all();
      return;
    }
    if (status == 0) continue;  // spurious or already cleared by a poll
    device_.write32(reg::kIrqStatus, status);  // write 1 to clear what we saw
    {
      std::lock_guard lock(mutex_);
      for (int bit = 0; bit < 32; ++bit) {
        if (status & (1u << bit)) ++counts_[bit];
      }
      if (status & reg::kIrqFault) fault_latched_ = true;
    }
    total_.fetch_add(1);
    cv_.notify_all();
  }
}

std::uint64_t IrqDispatcher::count_of(std::uint32_t bits) const {
  std::uint64_t n = 0;
  for (int bit = 0; bit < 32; ++bit) {
    if (bits & (1u << bit)) n += counts_[bit];
  }
  return n;
}

void IrqDispatcher::clear_fault() noexcept {
  std::lock_guard lock(mutex_);
  fault_latched_ = false;
}

void IrqDispatcher::watch_heartbeat(std::chrono::milliseconds hang_after) noexcept {
  const std::uint32_t beat = hang_after.count() > 0 ? device_.read32(reg::kHeartbeat) : 0;
  std::lock_guard lock(mutex_);
  hang_after_ = hang_after;
  last_beat_ = beat;
  last_beat_change_ = Clock::now();
}

Expected<void> IrqDispatcher::check_health() {
  if (device_lost_ || !device_.present()) {
    device_lost_ = true;
    return fail(ErrorCode::kDeviceLost,
                fmt::format("device {} is gone (removed or link down); reconnect it and open it "
                            "again",
                            device_.info().id));
  }
  const auto state = static_cast<abi::DeviceState>(device_.read32(reg::kStatus));
  bool latched = false;
  {
    std::lock_guard lock(mutex_);
    latched = fault_latched_;
  }
  if (state == abi::DeviceState::kFaulted || latched) {
    return fail(fault_error(device_.read32(reg::kErrorCode)));
  }
  // The heartbeat: read outside the lock (a register read may be slow on real hardware).
  std::chrono::milliseconds hang_after{0};
  {
    std::lock_guard lock(mutex_);
    hang_after = hang_after_;
  }
  if (hang_after.count() == 0) return {};
  const std::uint32_t beat = device_.read32(reg::kHeartbeat);
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (hang_after_.count() == 0) return {};  // turned off meanwhile (a reset began)
  if (beat != last_beat_) {
    last_beat_ = beat;
    last_beat_change_ = now;
    return {};
  }
  const auto still = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_beat_change_);
  if (still < hang_after_) return {};
  return fail(ErrorCode::kTimeout,
              fmt::format("the firmware of device {} hung: its heartbeat has not moved for {} ms",
                          device_.info().id, still.count()));
}

Expected<void> IrqDispatcher::wait(std::uint32_t bits, std::chrono::milliseconds timeout,
                                   const std::function<bool()>& done, std::string_view what,
                                   std::uint32_t progress_register) {
  auto deadline = Clock::now() + timeout;
  std::uint32_t progress = progress_register != 0 ? device_.read32(progress_register) : 0;
  std::unique_lock lock(mutex_);
  const std::uint64_t start_count = count_of(bits);
  bool slept_without_irq = false;  // a whole poll interval passed with no interrupt for `bits`
  for (;;) {
    lock.unlock();
    const bool finished = done();
    lock.lock();
    if (finished) {
      // The work can be seen done a moment before the interrupt thread has taken its interrupt:
      // give the interrupt one more poll interval before calling it lost.
      if (slept_without_irq && count_of(bits) == start_count) {
        cv_.wait_for(lock, poll_interval_, [&] { return count_of(bits) != start_count; });
      }
      if (slept_without_irq && count_of(bits) == start_count) {
        lost_.fetch_add(1);
        log().warn("device {}: {} completed but its interrupt never arrived (lost interrupt, "
                   "recovered by polling)",
                   device_.info().id, what);
      }
      return {};
    }
    lock.unlock();
    auto health = check_health();
    lock.lock();
    if (!health) return fail(health.error().with_context(what));

    auto now = Clock::now();
    if (progress_register != 0) {
      lock.unlock();
      const std::uint32_t p = device_.read32(progress_register);
      lock.lock();
      now = Clock::now();
      if (p != progress) {  // the device finished more of the work: the timeout starts again
        progress = p;
        deadline = now + timeout;
      }
    }
    if (now >= deadline) {
      return fail(ErrorCode::kTimeout,
                  progress_register != 0
                      ? fmt::format("{}: device {} made no progress in {} ms", what,
                                    device_.info().id, timeout.count())
                      : fmt::format("{}: no answer from device {} in {} ms", what,
                                    device_.info().id, timeout.count()));
    }
    const std::uint64_t before = count_of(bits);
    const auto until = std::min(deadline, now + poll_interval_);
    const bool woken = cv_.wait_until(lock, until, [&] {
      return count_of(bits) != before || device_lost_.load() || fault_latched_;
    });
    if (!woken && count_of(bits) == start_count) slept_without_irq = true;
  }
}

}  // namespace npu::driver
