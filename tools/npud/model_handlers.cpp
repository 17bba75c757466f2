// npud requests on configured models: configure (the .npk and the tensor memory arrive as
// descriptors), run on a slot of the shared memory, scheduler knobs, release.
#include <fmt/format.h>

#include "client_session.hpp"
#include "daemon.hpp"
#include "npu/common/log.hpp"
#include "wire/api_json.hpp"

namespace npu::npud {

namespace {
std::string fd_path(const UniqueFd& fd) { return fmt::format("/proc/self/fd/{}", fd.get()); }

std::vector<std::size_t> sizes(const std::vector<StreamInfo>& streams) {
  std::vector<std::size_t> out;
  for (const auto& s : streams) out.push_back(s.size);
  return out;
}
}  // namespace

Expected<nlohmann::json> ClientSession::on_configure(Frame& frame, const Json& body) {
  if (frame.fds.size() != 2) {
    return fail(ErrorCode::kBadFormat, "configure needs two descriptors: the .npk file and the tensor memory");
  }
  std::string path;
  std::uint32_t slots = 0;
  read_field(body, "path", path);
  read_field(body, "slots", slots);
  if (slots == 0 || slots > kMaxSlots) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("configure: slots must be 1..{}, got {}", kMaxSlots, slots));
  }
  auto model = vdevice().create_infer_model(fd_path(frame.fds[0]));
  if (!model) return fail(model.error().with_context(path));
  auto layout = make_slot_layout(sizes(model->inputs()), sizes(model->outputs()), slots);
  NPU_TRY_ASSIGN(auto shm, SharedMemory::map(std::move(frame.fds[1]), layout.total_bytes()));
  auto entry = std::make_shared<DaemonModel>(std::move(shm), std::move(layout));
  entry->path = path;
  auto configured = model->configure();
  if (!configured) return fail(configured.error().with_context(path));
  entry->configured.emplace(std::move(*configured));
  // One Bindings per slot, over the client's shared memory: runs read and write it in place.
  auto bytes = entry->shm.bytes();
  for (std::uint32_t s = 0; s < slots; ++s) {
    NPU_TRY_ASSIGN(auto bindings, entry->configured->create_bindings());
    for (std::size_t i = 0; i < model->inputs().size(); ++i) {
      NPU_TRY_ASSIGN(auto in, bindings.input(model->inputs()[i].name));
      NPU_TRY(in.set_buffer(std::span<const std::byte>(bytes.subspan(entry->layout.input_at(s, i), entry->layout.input_sizes[i]))));
    }
    for (std::size_t i = 0; i < model->outputs().size(); ++i) {
      NPU_TRY_ASSIGN(auto out, bindings.output(model->outputs()[i].name));
      NPU_TRY(out.set_buffer(bytes.subspan(entry->layout.output_at(s, i), entry->layout.output_sizes[i])));
    }
    entry->slots.push_back(std::move(bindings));
  }
  const auto handle = daemon_.next_handle();
  {
    std::lock_guard lock(resources_mutex_);
    resources_.models.emplace(handle, entry);
    count_resources();
  }
  log().info("npud: client {} configured {} as model {} ({} slots of {} bytes)", id_, path, handle, slots,
             entry->layout.slot_bytes);
  return Json{{"model", handle}, {"slot_bytes", entry->layout.slot_bytes}};
}

Expected<std::shared_ptr<DaemonModel>> ClientSession::find_model(const Json& body) {
  std::uint64_t handle = 0;
  read_field(body, "model", handle);
  std::lock_guard lock(resources_mutex_);
  auto it = resources_.models.find(handle);
  if (it == resources_.models.end()) {
    return fail(ErrorCode::kNotFound, fmt::format("this client has no configured model {}", handle));
  }
  return it->second;
}

void ClientSession::on_run(std::uint32_t request_id, const Json& body) {
  auto model = find_model(body);
  if (!model) return reply(request_id, fail(model.error()));
  std::uint32_t slot = 0;
  read_field(body, "slot", slot);
  auto m = *model;
  std::optional<std::chrono::milliseconds> timeout;  // present: synchronous, scheduled within it
  if (auto t = body.find("timeout_ms"); t != body.end()) {
    if (!json_fits<std::int64_t>(*t)) return reply(request_id, fail(ErrorCode::kBadFormat, "run: timeout_ms must be an integer"));
    timeout = std::chrono::milliseconds(t->get<std::int64_t>());
  }
  if (!m->slot_busy->claim(slot)) {
    return reply(request_id, fail(ErrorCode::kInvalidArgument,
                                  fmt::format("run: slot {} is out of range (0..{}) or already running", slot,
                                              m->layout.slots - 1)));
  }
  if (timeout) {
    auto result = m->configured->run(m->slots[slot], *timeout);
    m->slot_busy->release(slot);
    return reply(request_id, result ? Expected<Json>(to_json(*result)) : Expected<Json>(fail(result.error())));
  }
  std::weak_ptr<ClientSession> weak = shared_from_this();
  auto job = m->configured->run_async(m->slots[slot], [weak, busy = m->slot_busy, slot, request_id](const Expected<RunInfo>& r) {
    busy->release(slot);
    if (auto self = weak.lock()) {
      self->reply(request_id, r ? Expected<Json>(to_json(*r)) : Expected<Json>(fail(r.error())));
    }
  });
  if (!job) {
    m->slot_busy->release(slot);
    return reply(request_id, fail(job.error()));
  }
  job->detach();
}

Expected<nlohmann::json> ClientSession::on_set_scheduler(const Json& body) {
  NPU_TRY_ASSIGN(auto m, find_model(body));
  if (body.contains("priority")) {
    NPU_TRY_ASSIGN(const int p, required_field<int>(body, "priority"));
    if (p < 0 || p > 255) return fail(ErrorCode::kInvalidArgument, fmt::format("scheduler priority {} is out of range 0..31", p));
    NPU_TRY(m->configured->set_scheduler_priority(static_cast<std::uint8_t>(p)));
  }
  if (body.contains("threshold")) {
    NPU_TRY_ASSIGN(const auto threshold, required_field<std::uint32_t>(body, "threshold"));
    NPU_TRY(m->configured->set_scheduler_threshold(threshold));
  }
  if (body.contains("timeout_ms")) {
    NPU_TRY_ASSIGN(const auto ms, required_field<std::int64_t>(body, "timeout_ms"));
    NPU_TRY(m->configured->set_scheduler_timeout(std::chrono::milliseconds(ms)));
  }
  return Json::object();
}

Expected<nlohmann::json> ClientSession::on_release_model(const Json& body) {
  NPU_TRY_ASSIGN(auto m, find_model(body));
  std::uint64_t handle = 0;
  read_field(body, "model", handle);
  {
    std::lock_guard lock(resources_mutex_);
    resources_.models.erase(handle);
    count_resources();
  }
  m.reset();  // the last reference (unless a run holds it): queued runs dropped, running ones awaited
  return Json::object();
}

}  // namespace npu::npud
