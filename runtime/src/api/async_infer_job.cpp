#include "npu/async_infer_job.hpp"

#include <fmt/format.h>

#include "backend/async_job_state.hpp"

namespace npu {

AsyncInferJob::AsyncInferJob(std::shared_ptr<AsyncJobState> state) : state_(std::move(state)) {}
AsyncInferJob::AsyncInferJob(AsyncInferJob&&) noexcept = default;

AsyncInferJob& AsyncInferJob::operator=(AsyncInferJob&& other) noexcept {
  if (this != &other) {
    if (state_ && !state_->detached) (void)wait(std::chrono::milliseconds::max());
    state_ = std::move(other.state_);
  }
  return *this;
}

AsyncInferJob::~AsyncInferJob() {
  if (state_ && !state_->detached) (void)wait(std::chrono::milliseconds::max());
}

Expected<RunInfo> AsyncInferJob::wait(std::chrono::milliseconds timeout) {
  if (!state_) return fail(ErrorCode::kInvalidArgument, "wait() on a moved-from or detached job");
  std::unique_lock lock(state_->mutex);
  auto done = [&] { return state_->result.has_value(); };
  if (timeout == std::chrono::milliseconds::max()) {
    state_->cv.wait(lock, done);
  } else if (!state_->cv.wait_for(lock, timeout, done)) {
    return fail(ErrorCode::kTimeout,
                fmt::format("async job not finished after {} ms (it keeps running; wait again)", timeout.count()));
  }
  return *state_->result;
}

void AsyncInferJob::detach() noexcept {
  if (state_) state_->detached = true;
  state_.reset();
}

}  // namespace npu
