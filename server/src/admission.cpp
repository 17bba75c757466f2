#include "admission.hpp"

#include <fmt/format.h>

namespace npu::server {

void Admission::Ticket::release() noexcept {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->leave();
}

ApiResult<Admission::Ticket> Admission::enter(const std::function<bool()>& gone, std::chrono::nanoseconds& queued) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  if (running_ >= max_running_) {
    if (waiting_ >= max_waiting_) {
      ApiError e{429,
                 fmt::format("the server is at capacity ({} requests generating, {} waiting): retry later",
                             running_, waiting_),
                 {}, "queue_full", std::chrono::seconds(1)};
      return std::unexpected(std::move(e));
    }
    ++waiting_;
    while (running_ >= max_running_) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      if (running_ < max_running_) break;
      lock.unlock();
      const bool left = gone && gone();
      lock.lock();
      if (left) {
        --waiting_;
        cv_.notify_one();
        return std::unexpected(ApiError{0, "the client closed the connection while waiting", {}, "client_gone", {}});
      }
    }
    --waiting_;
  }
  ++running_;
  queued = std::chrono::steady_clock::now() - start;
  return Ticket(this);
}

void Admission::leave() noexcept {
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
  cv_.notify_one();
}

std::size_t Admission::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

std::size_t Admission::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

}  // namespace npu::server
