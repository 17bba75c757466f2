#include "npu/configured_infer_model.hpp"

#include <fmt/format.h>

#include "async_job_state.hpp"
#include "configured_model_core.hpp"
#include "remote/remote_configured_model.hpp"

namespace npu {

using detail::ConfiguredModelCore;

ConfiguredInferModel::ConfiguredInferModel(std::unique_ptr<ConfiguredModelCore> core)
    : core_(std::move(core)) {}
ConfiguredInferModel::ConfiguredInferModel(std::unique_ptr<remote::RemoteConfiguredModel> remote)
    : remote_(std::move(remote)) {}
ConfiguredInferModel::ConfiguredInferModel(ConfiguredInferModel&&) noexcept = default;
ConfiguredInferModel& ConfiguredInferModel::operator=(ConfiguredInferModel&&) noexcept = default;
ConfiguredInferModel::~ConfiguredInferModel() = default;

Expected<Bindings> ConfiguredInferModel::create_bindings() const {
  auto state = std::make_unique<BindingsState>();
  const auto& package = remote_ ? remote_->package() : core_->package();
  state->inputs = package.inputs;
  state->outputs = package.outputs;
  state->input_buffers.resize(state->inputs.size());
  state->output_buffers.resize(state->outputs.size());
  return Bindings(std::move(state));
}

namespace {
Expected<std::shared_ptr<AsyncJobState>> make_job(const Bindings& bindings, AsyncCallback callback) {
  NPU_TRY(bindings.validate());
  auto state = std::make_shared<AsyncJobState>();
  state->buffers = bindings.state();
  state->callback = std::move(callback);
  return state;
}
}  // namespace

Expected<RunInfo> ConfiguredInferModel::run(const Bindings& bindings, std::chrono::milliseconds timeout) {
  if (remote_) {
    NPU_TRY(bindings.validate());
    return remote_->run(bindings.state(), timeout);
  }
  NPU_TRY_ASSIGN(auto state, make_job(bindings, {}));
  NPU_TRY(core_->submit(state));
  std::unique_lock lock(state->mutex);
  if (state->cv.wait_for(lock, timeout, [&] { return state->result.has_value(); })) {
    return *state->result;
  }
  lock.unlock();
  if (state->claim(AsyncJobState::kCancelled)) {  // still queued: drop it
    return fail(ErrorCode::kTimeout,
                fmt::format("run of '{}' was not scheduled within {} ms: raise the timeout or the "
                            "model's scheduler priority, or lower its threshold",
                            core_->package().name, timeout.count()));
  }
  // Already running: it writes into the caller's buffers, so it must finish before we return.
  lock.lock();
  state->cv.wait(lock, [&] { return state->result.has_value(); });
  return *state->result;
}

Expected<AsyncInferJob> ConfiguredInferModel::run_async(const Bindings& bindings, AsyncCallback callback) {
  NPU_TRY_ASSIGN(auto state, make_job(bindings, std::move(callback)));
  if (remote_) NPU_TRY(remote_->run_async(state));
  else NPU_TRY(core_->submit(state));
  return AsyncInferJob(std::move(state));
}

Expected<void> ConfiguredInferModel::wait_for_async_ready(std::chrono::milliseconds timeout,
                                                          std::uint32_t frames) {
  return remote_ ? remote_->wait_ready(timeout, frames) : core_->wait_ready(timeout, frames);
}

std::uint32_t ConfiguredInferModel::async_queue_size() const noexcept {
  return remote_ ? remote_->queue_size() : core_->queue_size();
}

Expected<void> ConfiguredInferModel::set_scheduler_priority(std::uint8_t priority) {
  if (remote_) return remote_->set_scheduler({{"priority", priority}});
  auto p = core_->params();
  p.priority = priority;
  NPU_TRY(core_->scheduler().set_params(core_->id(), p));
  core_->params() = p;
  return {};
}

Expected<void> ConfiguredInferModel::set_scheduler_threshold(std::uint32_t threshold) {
  if (remote_) return remote_->set_scheduler({{"threshold", threshold}});
  auto p = core_->params();
  p.threshold = threshold;
  NPU_TRY(core_->scheduler().set_params(core_->id(), p));
  core_->params() = p;
  return {};
}

Expected<void> ConfiguredInferModel::set_scheduler_timeout(std::chrono::milliseconds timeout) {
  if (remote_) return remote_->set_scheduler({{"timeout_ms", timeout.count()}});
  auto p = core_->params();
  p.timeout = timeout;
  NPU_TRY(core_->scheduler().set_params(core_->id(), p));
  core_->params() = p;
  return {};
}

}  // namespace npu
