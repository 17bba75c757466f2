// One thread per device that waits on the hal interrupt line, reads and clears IRQ_STATUS and wakes
// the waiters of each bit. Waiters never trust interrupts alone: they wait for a condition on the
// device state, woken by their bits, and re-check it every poll interval. A condition that turns
// true without its interrupt is a lost interrupt: counted and logged, not fatal. A fault (the
// kIrqFault bit or STATUS = kFaulted) ends every wait with the device's fault explained.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "npu/common/error.hpp"
#include "npu/hal/device.hpp"

namespace npu::driver {

class IrqDispatcher {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<IrqDispatcher>> create(
      hal::Device& device, std::chrono::milliseconds poll_interval);
  ~IrqDispatcher();
  IrqDispatcher(const IrqDispatcher&) = delete;
  IrqDispatcher& operator=(const IrqDispatcher&) = delete;

  // Waits until `done()` is true (kTimeout naming `what` after `timeout`). Woken by any of `bits`.
  // Fails early with kDeviceError when the device faults, kDeviceLost when it disappears, and
  // kTimeout when the heartbeat stops (watch_heartbeat). With a `progress_register`, every change
  // of that register restarts the timeout (a long command bounded by its progress).
  [[nodiscard]] Expected<void> wait(std::uint32_t bits, std::chrono::milliseconds timeout,
                                    const std::function<bool()>& done, std::string_view what,
                                    std::uint32_t progress_register = 0);

  // Hang detection: from now on every wait also watches HEARTBEAT, and a heartbeat that has not
  // moved for `hang_after` ends it with kTimeout. Zero turns it off (during boot, and with
  // firmware that has no heartbeat).
  void watch_heartbeat(std::chrono::milliseconds hang_after) noexcept;

  // Forget a latched fault (after the device was reset).
  void clear_fault() noexcept;

  [[nodiscard]] std::uint64_t lost_interrupts() const noexcept { return lost_.load(); }
  [[nodiscard]] std::uint64_t interrupts() const noexcept { return total_.load(); }
  [[nodiscard]] bool device_lost() const noexcept { return device_lost_.load(); }

 private:
  IrqDispatcher(hal::Device& device, std::chrono::milliseconds poll_interval);
  void run();
  [[nodiscard]] std::uint64_t count_of(std::uint32_t bits) const;  // caller holds mutex_
  [[nodiscard]] Expected<void> check_health();

  hal::Device& device_;
  std::chrono::milliseconds poll_interval_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t counts_[32] = {};  // interrupts seen per IRQ_STATUS bit
  bool fault_latched_ = false;
  // Heartbeat watch (under mutex_): the last value seen and when it last changed.
  std::chrono::milliseconds hang_after_{0};
  std::uint32_t last_beat_ = 0;
  std::chrono::steady_clock::time_point last_beat_change_{};
  std::atomic<bool> stop_{false};
  std::atomic<bool> device_lost_{false};
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<std::uint64_t> total_{0};
  std::thread thread_;
};

}  // namespace npu::driver
