#include "hailort/hailo_infer_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <hailo/hailort.hpp>

#include "hailort/hailo_vdevice.hpp"
#include "hailort/hailo_status_error.hpp"

namespace npu::hailort_backend {
namespace {

using Clock = std::chrono::steady_clock;

std::string dtype_name(hailo_format_type_t type) {
  switch (type) {
    case HAILO_FORMAT_TYPE_UINT8: return "uint8";
    case HAILO_FORMAT_TYPE_UINT16: return "uint16";
    case HAILO_FORMAT_TYPE_FLOAT32: return "float32";
    default: return "auto";
  }
}

StreamInfo stream_info(const hailort::InferModel::InferStream& s) {
  StreamInfo info;
  info.name = s.name();
  const hailo_3d_image_shape_t shape = s.shape();
  info.shape = {1, shape.height, shape.width, shape.features};
  info.dtype = dtype_name(s.format().type);
  const auto quant = s.get_quant_infos();
  if (!quant.empty()) {
    info.scale = quant.front().qp_scale;
    info.zero_point = static_cast<std::int32_t>(quant.front().qp_zp);
  }
  info.size = s.get_frame_size();
  return info;
}

nlohmann::json streams_json(const std::vector<StreamInfo>& streams) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : streams) {
    out.push_back({{"name", s.name}, {"shape", s.shape}, {"dtype", s.dtype}, {"scale", s.scale},
                   {"zero_point", s.zero_point}, {"size", s.size}});
  }
  return out;
}

// HailoRT bindings over the caller's buffers (views, no copy).
Expected<hailort::ConfiguredInferModel::Bindings> make_bindings(hailort::ConfiguredInferModel& model,
                                                               const BindingsState& buffers,
                                                               const std::string& name) {
  auto bindings = model.create_bindings();
  if (!bindings) return hailo_fail(bindings.status(), fmt::format("creating bindings of '{}'", name));
  for (std::size_t i = 0; i < buffers.inputs.size(); ++i) {
    const auto& view = buffers.input_buffers[i];
    auto stream = bindings.value().input(buffers.inputs[i].name);
    if (!stream) return hailo_fail(stream.status(), fmt::format("input '{}' of '{}'", buffers.inputs[i].name, name));
    NPU_TRY(hailo_check(stream.value().set_buffer(hailort::MemoryView::create_const(view.data(), view.size())),
                        fmt::format("binding input '{}' of '{}'", buffers.inputs[i].name, name)));
  }
  for (std::size_t i = 0; i < buffers.outputs.size(); ++i) {
    const auto& view = buffers.output_buffers[i];
    auto stream = bindings.value().output(buffers.outputs[i].name);
    if (!stream) return hailo_fail(stream.status(), fmt::format("output '{}' of '{}'", buffers.outputs[i].name, name));
    NPU_TRY(hailo_check(stream.value().set_buffer(hailort::MemoryView(view.data(), view.size())),
                        fmt::format("binding output '{}' of '{}'", buffers.outputs[i].name, name)));
  }
  return bindings.release();
}

}  // namespace

Expected<std::shared_ptr<HailoInferModel>> HailoInferModel::open(std::shared_ptr<HailoVDevice> vdevice,
                                                                 const std::filesystem::path& hef) {
  auto model = vdevice->vdevice()->create_infer_model(hef.string());
  if (!model) return hailo_fail(model.status(), fmt::format("loading {}", hef.string()));
  return std::make_shared<HailoInferModel>(std::move(vdevice), model.release(), hef.stem().string());
}

HailoInferModel::HailoInferModel(std::shared_ptr<HailoVDevice> vdevice, std::shared_ptr<hailort::InferModel> model,
                                 std::string name)
    : vdevice_(std::move(vdevice)), model_(std::move(model)), name_(std::move(name)) {
  for (const auto& s : model_->inputs()) inputs_.push_back(stream_info(s));
  for (const auto& s : model_->outputs()) outputs_.push_back(stream_info(s));
  metadata_ = nlohmann::json{{"name", name_}, {"backend", "hailort"}, {"format", "hef"},
                             {"inputs", streams_json(inputs_)}, {"outputs", streams_json(outputs_)}}
                  .dump();
}

HailoInferModel::~HailoInferModel() = default;

Expected<std::unique_ptr<backend::ConfiguredModelBackend>> HailoInferModel::configure() const {
  auto configured = model_->configure();
  if (!configured) return hailo_fail(configured.status(), fmt::format("configuring '{}' on the Hailo device", name_));
  return std::make_unique<HailoConfiguredModel>(
      vdevice_, std::make_unique<hailort::ConfiguredInferModel>(configured.release()), name_, inputs_, outputs_);
}

HailoConfiguredModel::HailoConfiguredModel(std::shared_ptr<HailoVDevice> vdevice,
                                           std::unique_ptr<hailort::ConfiguredInferModel> model, std::string name,
                                           std::vector<StreamInfo> inputs, std::vector<StreamInfo> outputs)
    : vdevice_(std::move(vdevice)), model_(std::move(model)), name_(std::move(name)), inputs_(std::move(inputs)),
      outputs_(std::move(outputs)) {}

HailoConfiguredModel::~HailoConfiguredModel() { (void)model_->shutdown(); }

Expected<RunInfo> HailoConfiguredModel::run(const BindingsState& buffers, std::chrono::milliseconds timeout) {
  NPU_TRY_ASSIGN(auto bindings, make_bindings(*model_, buffers, name_));
  const auto start = Clock::now();
  NPU_TRY(hailo_check(model_->run(bindings, timeout), fmt::format("running '{}'", name_)));
  RunInfo info;
  info.host_time = Clock::now() - start;
  return info;
}

Expected<void> HailoConfiguredModel::run_async(std::shared_ptr<AsyncJobState> job) {
  NPU_TRY_ASSIGN(auto bindings, make_bindings(*model_, job->buffers, name_));
  const auto start = Clock::now();
  // HailoRT calls back on its own thread; the job state (and a copy of the bindings) live until then.
  auto callback = [job, bindings, start, name = name_](const hailort::AsyncInferCompletionInfo& done) {
    if (!job->claim(AsyncJobState::kRunning)) return;  // the caller gave up on it
    if (done.status != HAILO_SUCCESS) {
      job->complete(hailo_fail(done.status, fmt::format("asynchronous run of '{}'", name)));
      return;
    }
    RunInfo info;
    info.host_time = Clock::now() - start;
    info.queue_time = start - job->submitted;
    job->complete(info);
  };
  auto running = model_->run_async(bindings, callback);
  if (!running) return hailo_fail(running.status(), fmt::format("queueing a run of '{}'", name_));
  running.value().detach();  // completion is reported through `job`
  return {};
}

Expected<void> HailoConfiguredModel::wait_for_async_ready(std::chrono::milliseconds timeout, std::uint32_t frames) {
  return hailo_check(model_->wait_for_async_ready(timeout, frames),
                     fmt::format("waiting for room for {} more runs of '{}'", frames, name_));
}

std::uint32_t HailoConfiguredModel::async_queue_size() const noexcept {
  auto size = model_->get_async_queue_size();
  return size ? static_cast<std::uint32_t>(size.value()) : 0;
}

Expected<void> HailoConfiguredModel::check_scheduler(const char* knob) const {
  if (vdevice_->round_robin()) return {};
  return fail(ErrorCode::kUnsupported,
              fmt::format("{} needs the round-robin scheduler, but this VDevice was created with scheduling "
                          "None: create it with SchedulingAlgorithm::kRoundRobin", knob));
}

Expected<void> HailoConfiguredModel::set_scheduler_priority(std::uint8_t priority) {
  NPU_TRY(check_scheduler("the scheduler priority"));
  if (priority > 31) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("scheduler priority {} is out of range: use 0..31", priority));
  }
  return hailo_check(model_->set_scheduler_priority(priority), fmt::format("setting the priority of '{}'", name_));
}

Expected<void> HailoConfiguredModel::set_scheduler_threshold(std::uint32_t threshold) {
  NPU_TRY(check_scheduler("the scheduler threshold"));
  return hailo_check(model_->set_scheduler_threshold(threshold), fmt::format("setting the threshold of '{}'", name_));
}

Expected<void> HailoConfiguredModel::set_scheduler_timeout(std::chrono::milliseconds timeout) {
  NPU_TRY(check_scheduler("the scheduler timeout"));
  return hailo_check(model_->set_scheduler_timeout(timeout), fmt::format("setting the timeout of '{}'", name_));
}

}  // namespace npu::hailort_backend
