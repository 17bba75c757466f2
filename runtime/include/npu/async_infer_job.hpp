// The handle of one run_async() job. wait() blocks for its result; detach() lets it finish on its
// own (its callback still fires). Destroying an un-detached, unfinished job waits for it, so that
// buffers on the caller's stack are never written after they are gone.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "npu/common/error.hpp"
#include "npu/run_info.hpp"

namespace npu {

struct AsyncJobState;
using AsyncCallback = std::function<void(const Expected<RunInfo>&)>;

class AsyncInferJob {
 public:
  explicit AsyncInferJob(std::shared_ptr<AsyncJobState> state);
  AsyncInferJob(AsyncInferJob&&) noexcept;
  AsyncInferJob& operator=(AsyncInferJob&&) noexcept;
  AsyncInferJob(const AsyncInferJob&) = delete;
  AsyncInferJob& operator=(const AsyncInferJob&) = delete;
  ~AsyncInferJob();

  // The run's result, or kTimeout if it has not finished within `timeout` (it keeps going).
  [[nodiscard]] Expected<RunInfo> wait(std::chrono::milliseconds timeout);
  void detach() noexcept;

 private:
  std::shared_ptr<AsyncJobState> state_;
};

}  // namespace npu
