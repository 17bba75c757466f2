#include "remote_vdevice.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "wire/api_json.hpp"

namespace npu::remote {

using npud::MessageType;

Expected<std::shared_ptr<RemoteVDevice>> RemoteVDevice::connect(const VDeviceParams& params) {
  nlohmann::json hello = {
      {"client", "npustack-runtime"},
      {"pid", static_cast<std::int64_t>(::getpid())},
      {"device_ids", params.device_ids},
      {"scheduling", params.scheduling_algorithm == SchedulingAlgorithm::kNone ? "none" : "round_robin"},
      {"group_id", params.group_id}};
  NPU_TRY_ASSIGN(auto connection, Connection::open(npud::default_socket_path(), hello));
  std::shared_ptr<RemoteVDevice> v(new RemoteVDevice(params, std::move(connection)));
  const auto& reply = v->connection_->hello_reply();
  if (auto it = reply.find("devices"); it != reply.end() && it->is_array()) {
    for (const auto& d : *it) v->identities_.push_back(npud::identity_from_json(d));
  }
  if (v->identities_.empty()) {
    return fail(ErrorCode::kNotFound,
                fmt::format("npud at {} owns no devices: check its --devices option and `npu scan`",
                            v->connection_->path()));
  }
  return v;
}

Expected<DeviceStats> RemoteVDevice::stats(std::size_t device) {
  if (device >= identities_.size()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device index {} out of range (this VDevice has {})", device, identities_.size()));
  }
  NPU_TRY_ASSIGN(auto reply, connection_->call(MessageType::kDeviceStats, {{"device", device}}));
  return npud::stats_from_json(reply.body);
}

SchedulerStats RemoteVDevice::scheduler_stats() const {
  auto reply = connection_->call(MessageType::kSchedulerStats, nlohmann::json::object());
  if (!reply) return {};  // the daemon is gone: nothing more ran
  return npud::scheduler_stats_from_json(reply->body);
}

}  // namespace npu::remote
