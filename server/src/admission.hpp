// Admission: how many requests generate at once (each on its own LLM session, so they share the
// device through the VDevice scheduler) and how many may wait for a turn. A request beyond both
// is refused at once (429 with Retry-After) rather than queued without bound; a waiting request
// whose client has gone leaves the queue.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>

#include "api_error.hpp"

namespace npu::server {

class Admission {
 public:
  class Ticket {
   public:
    Ticket() = default;
    explicit Ticket(Admission* owner) : owner_(owner) {}
    Ticket(Ticket&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)) {}
    Ticket& operator=(Ticket&& o) noexcept {
      if (this != &o) {
        release();
        owner_ = std::exchange(o.owner_, nullptr);
      }
      return *this;
    }
    ~Ticket() { release(); }
    void release() noexcept;

   private:
    Admission* owner_ = nullptr;
  };

  Admission(std::size_t max_running, std::size_t max_waiting)
      : max_running_(max_running == 0 ? 1 : max_running), max_waiting_(max_waiting) {}

  // A running slot; waits while all are taken. 429 when the queue is full, 499-style abort (an
  // ApiError with status 0) when `gone()` turns true while waiting. `queued` receives the wait.
  [[nodiscard]] ApiResult<Ticket> enter(const std::function<bool()>& gone, std::chrono::nanoseconds& queued);

  [[nodiscard]] std::size_t running() const;
  [[nodiscard]] std::size_t waiting() const;
  [[nodiscard]] std::size_t max_running() const noexcept { return max_running_; }

 private:
  void leave() noexcept;

  const std::size_t max_running_, max_waiting_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t running_ = 0, waiting_ = 0;
};

}  // namespace npu::server
