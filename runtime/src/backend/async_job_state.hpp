// Shared state of one queued run: the scheduler's job function fills it, AsyncInferJob and
// ConfiguredInferModel::run wait on it. A job is claimed exactly once: by the worker that runs it
// or by a caller that gives up waiting while it is still queued.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "npu/async_infer_job.hpp"
#include "npu/bindings.hpp"

namespace npu {

struct AsyncJobState {
  enum Phase : int { kQueued, kRunning, kDone, kCancelled };

  BindingsState buffers;  // copies of the caller's spans
  std::chrono::steady_clock::time_point submitted = std::chrono::steady_clock::now();
  AsyncCallback callback;
  std::atomic<int> phase{kQueued};
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<Expected<RunInfo>> result;
  bool detached = false;

  // Claims the job for running (worker) or cancelling (caller); false if someone else did.
  bool claim(Phase to) {
    int expected = kQueued;
    return phase.compare_exchange_strong(expected, to);
  }
  void complete(Expected<RunInfo> r) {
    if (callback) callback(r);
    {
      std::lock_guard lock(mutex);
      result = std::move(r);
      phase = kDone;
    }
    cv.notify_all();
  }
};

}  // namespace npu
