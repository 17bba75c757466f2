// npu::ConfiguredInferModel: the front over a ConfiguredModelBackend; bindings are checked here,
// once for every backend.
#include "npu/configured_infer_model.hpp"

#include "backend/configured_model_backend.hpp"

namespace npu {

ConfiguredInferModel::ConfiguredInferModel(std::unique_ptr<backend::ConfiguredModelBackend> backend)
    : backend_(std::move(backend)) {}
ConfiguredInferModel::ConfiguredInferModel(ConfiguredInferModel&&) noexcept = default;
ConfiguredInferModel& ConfiguredInferModel::operator=(ConfiguredInferModel&&) noexcept = default;
ConfiguredInferModel::~ConfiguredInferModel() = default;

Expected<Bindings> ConfiguredInferModel::create_bindings() const {
  auto state = std::make_unique<BindingsState>();
  state->inputs = backend_->inputs();
  state->outputs = backend_->outputs();
  state->input_buffers.resize(state->inputs.size());
  state->output_buffers.resize(state->outputs.size());
  return Bindings(std::move(state));
}

Expected<RunInfo> ConfiguredInferModel::run(const Bindings& bindings, std::chrono::milliseconds timeout) {
  NPU_TRY(bindings.validate());
  return backend_->run(bindings.state(), timeout);
}

Expected<AsyncInferJob> ConfiguredInferModel::run_async(const Bindings& bindings, AsyncCallback callback) {
  NPU_TRY(bindings.validate());
  auto state = std::make_shared<AsyncJobState>();
  state->buffers = bindings.state();
  state->callback = std::move(callback);
  NPU_TRY(backend_->run_async(state));
  return AsyncInferJob(std::move(state));
}

Expected<void> ConfiguredInferModel::wait_for_async_ready(std::chrono::milliseconds timeout, std::uint32_t frames) {
  return backend_->wait_for_async_ready(timeout, frames);
}

std::uint32_t ConfiguredInferModel::async_queue_size() const noexcept { return backend_->async_queue_size(); }

Expected<void> ConfiguredInferModel::set_scheduler_priority(std::uint8_t priority) {
  return backend_->set_scheduler_priority(priority);
}

Expected<void> ConfiguredInferModel::set_scheduler_threshold(std::uint32_t threshold) {
  return backend_->set_scheduler_threshold(threshold);
}

Expected<void> ConfiguredInferModel::set_scheduler_timeout(std::chrono::milliseconds timeout) {
  return backend_->set_scheduler_timeout(timeout);
}

}  // namespace npu
