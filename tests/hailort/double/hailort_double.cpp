// The behaviour of the HailoRT test double (see hailort_double/world.hpp).
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#include "hailort_double/world.hpp"

namespace hailort_double {

World& World::get() {
  static World world;
  return world;
}

void World::reset() {
  std::lock_guard lock(mutex);
  version = {5, 2, 0};
  scan_status = HAILO_SUCCESS;
  devices.clear();
  networks.clear();
  llms.clear();
  vdevices.clear();
  network_records.clear();
  llm_records.clear();
  live_completions = 0;
}

std::vector<std::string> split_tokens(const std::string& text) {
  static const std::vector<std::string> kMarkers{"<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>",
                                                 "<tool_call>", "</tool_call>", "<|tool_call_start|>",
                                                 "<|tool_call_end|>"};
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto marker = std::find_if(kMarkers.begin(), kMarkers.end(),
                                     [&](const std::string& m) { return text.compare(pos, m.size(), m) == 0; });
    if (marker != kMarkers.end()) {
      out.push_back(*marker);
      pos += marker->size();
      continue;
    }
    std::size_t end = pos;
    while (end < text.size() && text[end] == ' ') ++end;
    while (end < text.size() && text[end] != ' ' && text[end] != '<') ++end;
    if (end == pos) ++end;  // a lone '<'
    out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

}  // namespace hailort_double

using hailort_double::World;

extern "C" {

hailo_status hailo_get_library_version(hailo_version_t* version) {
  std::lock_guard lock(World::get().mutex);
  *version = World::get().version;
  return HAILO_SUCCESS;
}

const char* hailo_get_status_message(hailo_status status) {
  switch (status) {
    case HAILO_SUCCESS: return "HAILO_SUCCESS";
    case HAILO_INVALID_ARGUMENT: return "HAILO_INVALID_ARGUMENT";
    case HAILO_TIMEOUT: return "HAILO_TIMEOUT";
    case HAILO_INVALID_OPERATION: return "HAILO_INVALID_OPERATION";
    case HAILO_OPEN_FILE_FAILURE: return "HAILO_OPEN_FILE_FAILURE";
    case HAILO_INVALID_HEF: return "HAILO_INVALID_HEF";
    case HAILO_DEVICE_IN_USE: return "HAILO_DEVICE_IN_USE";
    case HAILO_DRIVER_NOT_INSTALLED: return "HAILO_DRIVER_NOT_INSTALLED";
    case HAILO_INVALID_DRIVER_VERSION: return "HAILO_INVALID_DRIVER_VERSION";
    case HAILO_HEF_NOT_COMPATIBLE_WITH_DEVICE: return "HAILO_HEF_NOT_COMPATIBLE_WITH_DEVICE";
    case HAILO_RPC_FAILED: return "HAILO_RPC_FAILED";
    case HAILO_STREAM_ABORT: return "HAILO_STREAM_ABORT";
    default: return "HAILO_STATUS_OTHER";
  }
}

hailo_status hailo_init_vdevice_params(hailo_vdevice_params_t* params) {
  *params = {};
  params->device_count = 1;
  params->scheduling_algorithm = HAILO_SCHEDULING_ALGORITHM_ROUND_ROBIN;
  params->group_id = "UNIQUE";
  return HAILO_SUCCESS;
}

}  // extern "C"

namespace hailort {
namespace {

const hailort_double::FakeDevice* find_device(const std::string& id) {
  const auto& devices = World::get().devices;
  auto it = std::find_if(devices.begin(), devices.end(), [&](const auto& d) { return d.id == id; });
  return it == devices.end() ? nullptr : &*it;
}

template <std::size_t N>
void copy_field(char (&to)[N], uint8_t& length, const std::string& from) {
  length = static_cast<uint8_t>(std::min(from.size(), N));
  std::memcpy(to, from.data(), length);
}

}  // namespace

// ---- Device ----

Expected<std::vector<std::string>> Device::scan() {
  std::lock_guard lock(World::get().mutex);
  if (World::get().scan_status != HAILO_SUCCESS) return make_unexpected(World::get().scan_status);
  std::vector<std::string> ids;
  for (const auto& d : World::get().devices) ids.push_back(d.id);
  return ids;
}

Expected<std::unique_ptr<Device>> Device::create(const std::string& device_id) {
  std::lock_guard lock(World::get().mutex);
  const auto* d = find_device(device_id);
  if (!d) return make_unexpected(HAILO_INVALID_ARGUMENT);
  if (d->open_status != HAILO_SUCCESS) return make_unexpected(d->open_status);
  return std::make_unique<Device>(device_id);
}

Expected<hailo_device_identity_t> Device::identify() {
  std::lock_guard lock(World::get().mutex);
  const auto* d = find_device(id_);
  if (!d) return make_unexpected(HAILO_DEVICE_NOT_CONNECTED);
  hailo_device_identity_t id{};
  id.fw_version = d->firmware;
  id.is_release = true;
  id.device_architecture = d->architecture;
  copy_field(id.board_name, id.board_name_length, d->board);
  copy_field(id.serial_number, id.serial_number_length, d->serial);
  copy_field(id.part_number, id.part_number_length, d->part);
  copy_field(id.product_name, id.product_name_length, d->product);
  return id;
}

// ---- VDevice ----

struct VDevice::State {
  hailort_double::VDeviceRecord record;
};

Expected<std::shared_ptr<VDevice>> VDevice::create_shared(const hailo_vdevice_params_t& params) {
  std::lock_guard lock(World::get().mutex);
  auto& world = World::get();
  auto state = std::make_shared<State>();
  if (params.device_ids) {
    for (uint32_t i = 0; i < params.device_count; ++i) state->record.device_ids.emplace_back(params.device_ids[i].id);
  } else if (!world.devices.empty()) {
    state->record.device_ids.push_back(world.devices.front().id);
  }
  if (state->record.device_ids.empty()) return make_unexpected(HAILO_OUT_OF_PHYSICAL_DEVICES);
  for (const auto& id : state->record.device_ids) {
    const auto* d = find_device(id);
    if (!d) return make_unexpected(HAILO_INVALID_ARGUMENT);
    if (d->vdevice_status != HAILO_SUCCESS) return make_unexpected(d->vdevice_status);
  }
  state->record.algorithm = params.scheduling_algorithm;
  state->record.group_id = params.group_id ? params.group_id : "";
  state->record.multi_process_service = params.multi_process_service;
  world.vdevices.push_back(state->record);
  return std::make_shared<VDevice>(state);
}

Expected<std::vector<std::string>> VDevice::get_physical_devices_ids() const { return state_->record.device_ids; }

// ---- InferModel ----

struct InferModel::InferStream::Info {
  hailort_double::FakeStream stream;
};

const std::string InferModel::InferStream::name() const { return info_->stream.name; }
hailo_3d_image_shape_t InferModel::InferStream::shape() const { return info_->stream.shape; }
hailo_format_t InferModel::InferStream::format() const { return hailo_format_t{info_->stream.type}; }
size_t InferModel::InferStream::get_frame_size() const {
  const auto& s = info_->stream.shape;
  const size_t item = info_->stream.type == HAILO_FORMAT_TYPE_FLOAT32 ? 4 : info_->stream.type == HAILO_FORMAT_TYPE_UINT16 ? 2 : 1;
  return size_t{s.height} * s.width * s.features * item;
}
std::vector<hailo_quant_info_t> InferModel::InferStream::get_quant_infos() const {
  return {hailo_quant_info_t{info_->stream.zero_point, info_->stream.scale, 0.0f, 255.0f}};
}

struct InferModel::State {
  std::string path;
  hailort_double::FakeNetwork network;
  bool round_robin = true;
};

InferModel::InferModel(std::shared_ptr<State> state) : state_(std::move(state)) {
  for (const auto& s : state_->network.inputs) inputs_.emplace_back(std::make_shared<InferStream::Info>(InferStream::Info{s}));
  for (const auto& s : state_->network.outputs) outputs_.emplace_back(std::make_shared<InferStream::Info>(InferStream::Info{s}));
}

void InferModel::set_batch_size(uint16_t) {}
const std::vector<InferModel::InferStream>& InferModel::inputs() const { return inputs_; }
const std::vector<InferModel::InferStream>& InferModel::outputs() const { return outputs_; }

Expected<std::shared_ptr<InferModel>> VDevice::create_infer_model(const std::string& hef_path, const std::string&) {
  std::lock_guard lock(World::get().mutex);
  auto& world = World::get();
  if (world.llms.count(hef_path)) return make_unexpected(HAILO_INVALID_HEF);  // an LLM is not a plain network
  auto it = world.networks.find(hef_path);
  if (it == world.networks.end()) return make_unexpected(HAILO_OPEN_FILE_FAILURE);
  auto state = std::make_shared<InferModel::State>();
  state->path = hef_path;
  state->network = it->second;
  state->round_robin = state_->record.algorithm == HAILO_SCHEDULING_ALGORITHM_ROUND_ROBIN;
  return std::make_shared<InferModel>(state);
}

// ---- ConfiguredInferModel ----

struct AsyncInferJob::State {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  hailo_status status = HAILO_SUCCESS;
};

AsyncInferJob::~AsyncInferJob() {
  if (state_ && !detached_) (void)wait(std::chrono::hours(1));
}

hailo_status AsyncInferJob::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  if (!state_->cv.wait_for(lock, timeout, [&] { return state_->done; })) return HAILO_TIMEOUT;
  return state_->status;
}

void AsyncInferJob::detach() { detached_ = true; }

struct ConfiguredInferModel::State {
  std::string path;
  hailort_double::FakeNetwork network;
  bool round_robin = true;
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  bool shut_down = false;
  std::vector<std::thread> workers;

  hailo_status compute(const Bindings& b) {
    hailort_double::Buffers in, out;
    for (const auto& [name, slot] : b.inputs) {
      if (!slot->data()) return HAILO_INVALID_OPERATION;  // a stream without a buffer
      in[name] = *slot;
    }
    for (const auto& [name, slot] : b.outputs) {
      if (!slot->data()) return HAILO_INVALID_OPERATION;
      out[name] = *slot;
    }
    if (network.run_status != HAILO_SUCCESS) return network.run_status;
    if (network.compute) {
      network.compute(in, out);
    } else if (!in.empty()) {
      const auto& first = in.begin()->second;
      for (auto& [name, view] : out) {
        for (size_t i = 0; i < view.size(); ++i) view.data()[i] = static_cast<uint8_t>(first.data()[i % first.size()] + 1);
      }
    }
    return HAILO_SUCCESS;
  }
  ~State() {
    for (auto& t : workers) {
      if (t.joinable()) t.join();
    }
  }
};

hailo_status ConfiguredInferModel::Bindings::InferStream::set_buffer(MemoryView view) {
  *slot_ = view;
  return HAILO_SUCCESS;
}
Expected<MemoryView> ConfiguredInferModel::Bindings::InferStream::get_buffer() const { return *slot_; }

Expected<ConfiguredInferModel::Bindings::InferStream> ConfiguredInferModel::Bindings::input(const std::string& name) {
  auto it = inputs.find(name);
  if (it == inputs.end()) return make_unexpected(HAILO_NOT_FOUND);
  return InferStream(it->second);
}
Expected<ConfiguredInferModel::Bindings::InferStream> ConfiguredInferModel::Bindings::output(const std::string& name) {
  auto it = outputs.find(name);
  if (it == outputs.end()) return make_unexpected(HAILO_NOT_FOUND);
  return InferStream(it->second);
}

Expected<ConfiguredInferModel> InferModel::configure() {
  std::lock_guard lock(World::get().mutex);
  auto state = std::make_shared<ConfiguredInferModel::State>();
  state->path = state_->path;
  state->network = state_->network;
  state->round_robin = state_->round_robin;
  ++World::get().network_records[state_->path].configured;
  return ConfiguredInferModel(state);
}

Expected<ConfiguredInferModel::Bindings> ConfiguredInferModel::create_bindings() {
  Bindings b;
  for (const auto& s : state_->network.inputs) b.inputs[s.name] = std::make_shared<MemoryView>();
  for (const auto& s : state_->network.outputs) b.outputs[s.name] = std::make_shared<MemoryView>();
  return b;
}

hailo_status ConfiguredInferModel::run(const Bindings& bindings, std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(World::get().mutex);
    ++World::get().network_records[state_->path].runs;
  }
  if (state_->network.run_time > timeout) {
    std::this_thread::sleep_for(timeout);
    return HAILO_TIMEOUT;
  }
  std::this_thread::sleep_for(state_->network.run_time);
  return state_->compute(bindings);
}

Expected<AsyncInferJob> ConfiguredInferModel::run_async(const Bindings& bindings,
                                                        std::function<void(const AsyncInferCompletionInfo&)> callback) {
  std::lock_guard lock(state_->mutex);
  if (state_->shut_down) return make_unexpected(HAILO_STREAM_ABORT);
  if (state_->in_flight >= state_->network.queue_size) return make_unexpected(HAILO_QUEUE_IS_FULL);
  {
    std::lock_guard world_lock(World::get().mutex);
    ++World::get().network_records[state_->path].async_runs;
  }
  ++state_->in_flight;
  auto job = std::make_shared<AsyncInferJob::State>();
  auto* state = state_.get();
  state_->workers.emplace_back([state, job, bindings, callback] {
    std::this_thread::sleep_for(state->network.run_time);
    bool aborted;
    {
      std::lock_guard l(state->mutex);
      aborted = state->shut_down;
    }
    const hailo_status status = aborted ? HAILO_STREAM_ABORT : state->compute(bindings);
    callback(AsyncInferCompletionInfo(status));
    {
      std::lock_guard l(job->mutex);
      job->done = true;
      job->status = status;
    }
    job->cv.notify_all();
    {
      std::lock_guard l(state->mutex);
      --state->in_flight;
    }
    state->cv.notify_all();
  });
  return AsyncInferJob(job);
}

hailo_status ConfiguredInferModel::wait_for_async_ready(std::chrono::milliseconds timeout, uint32_t frames_count) {
  std::unique_lock lock(state_->mutex);
  if (frames_count > state_->network.queue_size) return HAILO_INVALID_ARGUMENT;
  const bool ready = state_->cv.wait_for(
      lock, timeout, [&] { return state_->in_flight + frames_count <= state_->network.queue_size; });
  return ready ? HAILO_SUCCESS : HAILO_TIMEOUT;
}

Expected<size_t> ConfiguredInferModel::get_async_queue_size() const { return state_->network.queue_size; }

hailo_status ConfiguredInferModel::set_scheduler_timeout(const std::chrono::milliseconds& timeout) {
  if (!state_->round_robin) return HAILO_INVALID_OPERATION;
  std::lock_guard lock(World::get().mutex);
  World::get().network_records[state_->path].timeout = timeout;
  return HAILO_SUCCESS;
}
hailo_status ConfiguredInferModel::set_scheduler_threshold(uint32_t threshold) {
  if (!state_->round_robin) return HAILO_INVALID_OPERATION;
  std::lock_guard lock(World::get().mutex);
  World::get().network_records[state_->path].threshold = threshold;
  return HAILO_SUCCESS;
}
hailo_status ConfiguredInferModel::set_scheduler_priority(uint8_t priority) {
  if (!state_->round_robin) return HAILO_INVALID_OPERATION;
  std::lock_guard lock(World::get().mutex);
  World::get().network_records[state_->path].priority = priority;
  return HAILO_SUCCESS;
}

hailo_status ConfiguredInferModel::shutdown() {
  {
    std::lock_guard lock(state_->mutex);
    state_->shut_down = true;
  }
  std::lock_guard lock(World::get().mutex);
  ++World::get().network_records[state_->path].shutdowns;
  return HAILO_SUCCESS;
}

}  // namespace hailort
