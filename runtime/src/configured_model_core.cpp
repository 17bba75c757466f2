#include "configured_model_core.hpp"

#include <fmt/format.h>

#include "async_job_state.hpp"

namespace npu::detail {

Expected<std::unique_ptr<ConfiguredModelCore>> ConfiguredModelCore::create(
    std::shared_ptr<VDeviceCore> vdevice, std::shared_ptr<const ModelPackage> package) {
  std::unique_ptr<ConfiguredModelCore> core(new ConfiguredModelCore(std::move(vdevice), std::move(package)));
  for (auto& driver : core->vdevice_->drivers()) {
    NPU_TRY_ASSIGN(auto model, DeviceModel::create(*driver, core->package_));
    core->per_device_.push_back(std::move(model));
  }
  core->id_ = core->scheduler().add_model();
  return core;
}

ConfiguredModelCore::~ConfiguredModelCore() {
  if (id_ != 0) scheduler().remove_model(id_);
  per_device_.clear();
}

std::uint32_t ConfiguredModelCore::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

void ConfiguredModelCore::finished() {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  ready_cv_.notify_all();
}

Expected<void> ConfiguredModelCore::submit(std::shared_ptr<AsyncJobState> state) {
  {
    std::lock_guard lock(mutex_);
    if (in_flight_ >= queue_size_) {
      return fail(ErrorCode::kBusy,
                  fmt::format("model '{}' already has {} async jobs in flight (the queue size): "
                              "call wait_for_async_ready() before run_async()", package_->name, in_flight_));
    }
    ++in_flight_;
  }
  // `this` outlives the job: the destructor removes the model from the scheduler, which drops
  // queued jobs and waits for running ones.
  SchedulerJob job;
  job.run = [this, state](std::size_t worker) {
    if (!state->claim(AsyncJobState::kRunning)) {  // the caller gave up while it was queued
      finished();
      return;
    }
    auto started = Clock::now();
    auto r = per_device_[worker]->execute(state->buffers);
    if (r) {
      r->device_index = worker;
      r->queue_time = started - state->submitted;
    }
    state->complete(std::move(r));
    finished();
  };
  job.cancel = [this, state](const Error& error) {
    if (state->claim(AsyncJobState::kCancelled)) state->complete(fail(error));
    finished();
  };
  auto submitted = scheduler().submit(id_, std::move(job));
  if (!submitted) {
    finished();
    return submitted;
  }
  return {};
}

Expected<void> ConfiguredModelCore::wait_ready(std::chrono::milliseconds timeout, std::uint32_t frames) {
  if (frames == 0 || frames > queue_size_) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("wait_for_async_ready: frames must be 1..{} (the async queue size), got {}",
                            queue_size_, frames));
  }
  std::unique_lock lock(mutex_);
  if (!ready_cv_.wait_for(lock, timeout, [&] { return in_flight_ + frames <= queue_size_; })) {
    return fail(ErrorCode::kTimeout,
                fmt::format("no room for {} more async jobs after {} ms ({} in flight)", frames,
                            timeout.count(), in_flight_));
  }
  return {};
}

}  // namespace npu::detail
