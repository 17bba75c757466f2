#include "remote/remote_configured_model.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "wire/api_json.hpp"

namespace npu::remote {

using npud::MessageType;

namespace {
constexpr std::uint32_t kSlots = 16;  // jobs in flight per model, as in-process

std::vector<std::size_t> sizes(const std::vector<StreamInfo>& streams) {
  std::vector<std::size_t> out;
  for (const auto& s : streams) out.push_back(s.size);
  return out;
}
}  // namespace

Expected<std::unique_ptr<RemoteConfiguredModel>> RemoteConfiguredModel::create(
    const RemoteModelSource& source, std::shared_ptr<const detail::ModelPackage> package) {
  auto layout = npud::make_slot_layout(sizes(package->inputs), sizes(package->outputs), kSlots);
  NPU_TRY_ASSIGN(auto shm, npud::SharedMemory::create(layout.total_bytes(), "npud-tensors-" + package->name));
  std::unique_ptr<RemoteConfiguredModel> m(
      new RemoteConfiguredModel(source.vdevice, std::move(package), std::move(layout), std::move(shm)));
  const int fds[] = {source.npk.get(), m->shm_.fd()};
  nlohmann::json body = {{"path", source.path}, {"slots", m->layout_.slots}, {"slot_bytes", m->layout_.slot_bytes},
                         {"shm_bytes", m->shm_.size()}};
  auto reply = m->vdevice_->connection()->call(MessageType::kConfigure, body, {}, fds);
  if (!reply) return fail(reply.error().with_context(fmt::format("configuring {} in npud", source.path)));
  npud::read_field(reply->body, "model", m->model_id_);
  std::size_t slot_bytes = 0;
  npud::read_field(reply->body, "slot_bytes", slot_bytes);
  if (m->model_id_ == 0 || slot_bytes != m->layout_.slot_bytes) {
    return fail(ErrorCode::kVersionMismatch,
                fmt::format("npud at {} read {} differently (tensor slot of {} bytes, expected {}): run an npud "
                            "from the same npustack release", m->vdevice_->connection()->path(), source.path,
                            slot_bytes, m->layout_.slot_bytes));
  }
  return m;
}

RemoteConfiguredModel::~RemoteConfiguredModel() {
  if (model_id_ == 0) return;
  (void)vdevice_->connection()->call(MessageType::kReleaseModel, {{"model", model_id_}});
  // Every run in flight gets a reply (a result, kAborted, or the lost connection's error); the
  // shared memory must stay mapped until then.
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

Expected<std::uint32_t> RemoteConfiguredModel::acquire_slot() {
  std::lock_guard lock(mutex_);
  auto it = std::find(free_.begin(), free_.end(), true);
  if (it == free_.end()) {
    return fail(ErrorCode::kBusy,
                fmt::format("model '{}' already has {} async jobs in flight (the queue size): "
                            "call wait_for_async_ready() before run_async()", package_->name, in_flight_));
  }
  *it = false;
  ++in_flight_;
  return static_cast<std::uint32_t>(it - free_.begin());
}

void RemoteConfiguredModel::release_slot(std::uint32_t slot) {
  {
    std::lock_guard lock(mutex_);
    free_[slot] = true;
    --in_flight_;
  }
  cv_.notify_all();
}

void RemoteConfiguredModel::copy_in(std::uint32_t slot, const BindingsState& buffers) {
  for (std::size_t i = 0; i < buffers.input_buffers.size(); ++i) {
    const auto& b = buffers.input_buffers[i];
    std::memcpy(shm_.bytes().data() + layout_.input_at(slot, i), b.data(), b.size());
  }
}

void RemoteConfiguredModel::copy_out(std::uint32_t slot, const BindingsState& buffers) {
  for (std::size_t i = 0; i < buffers.output_buffers.size(); ++i) {
    const auto& b = buffers.output_buffers[i];
    std::memcpy(b.data(), shm_.bytes().data() + layout_.output_at(slot, i), b.size());
  }
}

Expected<RunInfo> RemoteConfiguredModel::run(const BindingsState& buffers, std::chrono::milliseconds timeout) {
  NPU_TRY_ASSIGN(auto slot, acquire_slot());
  copy_in(slot, buffers);
  nlohmann::json body = {{"model", model_id_}, {"slot", slot}, {"timeout_ms", timeout.count()}};
  auto reply = vdevice_->connection()->call(MessageType::kRun, body);
  if (reply) copy_out(slot, buffers);
  release_slot(slot);
  if (!reply) return fail(reply.error());
  return npud::run_info_from_json(reply->body);
}

Expected<void> RemoteConfiguredModel::run_async(std::shared_ptr<AsyncJobState> state) {
  NPU_TRY_ASSIGN(auto slot, acquire_slot());
  copy_in(slot, state->buffers);
  nlohmann::json body = {{"model", model_id_}, {"slot", slot}};
  // `this` outlives the handler: the destructor waits until every slot is back.
  auto sent = vdevice_->connection()->call_async(MessageType::kRun, body, [this, slot, state](Expected<Reply> reply) {
    Expected<RunInfo> result = reply ? Expected<RunInfo>(npud::run_info_from_json(reply->body))
                                     : Expected<RunInfo>(fail(reply.error()));
    if (reply) copy_out(slot, state->buffers);
    state->claim(AsyncJobState::kRunning);
    state->complete(std::move(result));
    release_slot(slot);
  });
  if (!sent) {
    release_slot(slot);
    return sent;
  }
  return {};
}

Expected<void> RemoteConfiguredModel::wait_for_async_ready(std::chrono::milliseconds timeout, std::uint32_t frames) {
  if (frames == 0 || frames > layout_.slots) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("wait_for_async_ready: frames must be 1..{} (the async queue size), got {}",
                            layout_.slots, frames));
  }
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return in_flight_ + frames <= layout_.slots; })) {
    return fail(ErrorCode::kTimeout, fmt::format("no room for {} more async jobs after {} ms ({} in flight)", frames,
                                                 timeout.count(), in_flight_));
  }
  return {};
}

Expected<void> RemoteConfiguredModel::set_scheduler(const nlohmann::json& knobs) {
  if (vdevice_->params().scheduling_algorithm == SchedulingAlgorithm::kNone) {
    return fail(ErrorCode::kUnsupported,
                "scheduler settings need scheduling_algorithm RoundRobin (this VDevice uses None)");
  }
  nlohmann::json body = knobs;
  body["model"] = model_id_;
  NPU_TRY(vdevice_->connection()->call(MessageType::kSetScheduler, body));
  return {};
}

}  // namespace npu::remote
