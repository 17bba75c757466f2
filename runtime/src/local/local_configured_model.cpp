#include "local/local_configured_model.hpp"

#include <fmt/format.h>

namespace npu::local {

using detail::Clock;

Expected<std::unique_ptr<LocalConfiguredModel>> LocalConfiguredModel::create(
    std::shared_ptr<LocalVDevice> vdevice, std::shared_ptr<const detail::ModelPackage> package) {
  std::unique_ptr<LocalConfiguredModel> model(new LocalConfiguredModel(std::move(vdevice), std::move(package)));
  auto& devices = *model->vdevice_;
  for (std::size_t d = 0; d < devices.drivers().size(); ++d) {
    // A removed device takes no work: nothing is loaded there (its worker never runs a job).
    auto on_device = devices.usable(d) ? detail::DeviceModel::create(*devices.drivers()[d], model->package_)
                                       : Expected<std::unique_ptr<detail::DeviceModel>>(nullptr);
    if (!on_device && !devices.dropped_after(on_device.error(), d)) return fail(on_device.error());
    model->per_device_.push_back(on_device ? std::move(*on_device) : nullptr);
  }
  model->id_ = model->scheduler().add_model();
  return model;
}

LocalConfiguredModel::~LocalConfiguredModel() {
  if (id_ != 0) scheduler().remove_model(id_);
  per_device_.clear();
}

void LocalConfiguredModel::finished() {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  ready_cv_.notify_all();
}

Expected<RunInfo> LocalConfiguredModel::run(const BindingsState& buffers, std::chrono::milliseconds timeout) {
  auto state = std::make_shared<AsyncJobState>();
  state->buffers = buffers;
  NPU_TRY(run_async(state));
  std::unique_lock lock(state->mutex);
  if (state->cv.wait_for(lock, timeout, [&] { return state->result.has_value(); })) {
    return *state->result;
  }
  lock.unlock();
  if (state->claim(AsyncJobState::kCancelled)) {  // still queued: drop it
    return fail(ErrorCode::kTimeout,
                fmt::format("run of '{}' was not scheduled within {} ms: raise the timeout or the "
                            "model's scheduler priority, or lower its threshold",
                            package_->name, timeout.count()));
  }
  // Already running: it writes into the caller's buffers, so it must finish before we return.
  lock.lock();
  state->cv.wait(lock, [&] { return state->result.has_value(); });
  return *state->result;
}

Expected<void> LocalConfiguredModel::run_async(std::shared_ptr<AsyncJobState> state) {
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
  detail::SchedulerJob job;
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
    } else if (r.error().code() == ErrorCode::kDeviceLost) {
      (void)vdevice_->drop_removed_devices();  // this run fails; the next ones go to the other devices
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

Expected<void> LocalConfiguredModel::wait_for_async_ready(std::chrono::milliseconds timeout, std::uint32_t frames) {
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

Expected<void> LocalConfiguredModel::set_params(const detail::SchedulerModelParams& params) {
  NPU_TRY(scheduler().set_params(id_, params));
  params_ = params;
  return {};
}

Expected<void> LocalConfiguredModel::set_scheduler_priority(std::uint8_t priority) {
  auto p = params_;
  p.priority = priority;
  return set_params(p);
}

Expected<void> LocalConfiguredModel::set_scheduler_threshold(std::uint32_t threshold) {
  auto p = params_;
  p.threshold = threshold;
  return set_params(p);
}

Expected<void> LocalConfiguredModel::set_scheduler_timeout(std::chrono::milliseconds timeout) {
  auto p = params_;
  p.timeout = timeout;
  return set_params(p);
}

}  // namespace npu::local
