#include "remote/remote_vdevice.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "npk/npk_infer_model.hpp"
#include "remote/remote_configured_model.hpp"
#include "remote/remote_llm_session.hpp"
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
  NPU_TRY_ASSIGN(auto reply, connection_->call(MessageType::kDeviceStats, {{"device", device}}));
  return npud::stats_from_json(reply.body);
}

SchedulerStats RemoteVDevice::scheduler_stats() const {
  auto reply = connection_->call(MessageType::kSchedulerStats, nlohmann::json::object());
  if (!reply) return {};  // the daemon is gone: nothing more ran
  return npud::scheduler_stats_from_json(reply->body);
}

namespace {

// A .npk of a multi-process VDevice: configure() loads it in npud.
class RemoteInferModel final : public npk::NpkInferModel {
 public:
  RemoteInferModel(std::shared_ptr<const RemoteModelSource> source, std::shared_ptr<const detail::ModelPackage> package)
      : NpkInferModel(std::move(package)), source_(std::move(source)) {}
  [[nodiscard]] Expected<std::unique_ptr<backend::ConfiguredModelBackend>> configure() const override {
    NPU_TRY_ASSIGN(auto model, RemoteConfiguredModel::create(*source_, package_ptr()));
    return std::unique_ptr<backend::ConfiguredModelBackend>(std::move(model));
  }

 private:
  std::shared_ptr<const RemoteModelSource> source_;
};

}  // namespace

Expected<std::shared_ptr<const backend::InferModelBackend>> RemoteVDevice::create_infer_model(
    const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto package, detail::ModelPackage::open(path));
  // npud reads the file through this descriptor: no path or permission games between processes.
  auto source = std::make_shared<RemoteModelSource>();
  source->vdevice = std::static_pointer_cast<RemoteVDevice>(shared_from_this());
  source->path = std::filesystem::absolute(path).string();
  source->npk.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source->npk.valid()) {
    return fail(ErrorCode::kIo, fmt::format("{}: {}", path.string(), std::strerror(errno)));
  }
  return std::shared_ptr<const backend::InferModelBackend>(
      std::make_shared<RemoteInferModel>(std::move(source), std::move(package)));
}

Expected<std::unique_ptr<backend::LlmBackend>> RemoteVDevice::create_llm(const genai::LLMParams& params) {
  return RemoteLlm::create(std::static_pointer_cast<RemoteVDevice>(shared_from_this()), params);
}

}  // namespace npu::remote
