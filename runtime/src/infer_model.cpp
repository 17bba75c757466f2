#include "npu/infer_model.hpp"

#include <fmt/format.h>

#include "configured_model_core.hpp"
#include "model_package.hpp"
#include "remote/remote_configured_model.hpp"
#include "vdevice_core.hpp"

namespace npu {

InferModel::InferModel(std::shared_ptr<detail::VDeviceCore> vdevice,
                       std::shared_ptr<const detail::ModelPackage> package)
    : vdevice_(std::move(vdevice)), package_(std::move(package)) {}
InferModel::InferModel(std::shared_ptr<const remote::RemoteModelSource> remote,
                       std::shared_ptr<const detail::ModelPackage> package)
    : package_(std::move(package)), remote_(std::move(remote)) {}

const std::string& InferModel::name() const noexcept { return package_->name; }
const std::vector<StreamInfo>& InferModel::inputs() const noexcept { return package_->inputs; }
const std::vector<StreamInfo>& InferModel::outputs() const noexcept { return package_->outputs; }
std::uint32_t InferModel::batch_size() const noexcept { return package_->batch_size; }
std::string_view InferModel::metadata_json() const noexcept { return package_->metadata; }

namespace {
Expected<StreamInfo> find(const std::vector<StreamInfo>& streams, std::string_view name,
                          std::string_view kind) {
  if (name.empty() && streams.size() == 1) return streams[0];
  for (const auto& s : streams) {
    if (s.name == name) return s;
  }
  return fail(ErrorCode::kNotFound, fmt::format("model has no {} stream named '{}'", kind, name));
}
}  // namespace

Expected<StreamInfo> InferModel::input(std::string_view name) const { return find(inputs(), name, "input"); }
Expected<StreamInfo> InferModel::output(std::string_view name) const { return find(outputs(), name, "output"); }

Expected<ConfiguredInferModel> InferModel::configure() const {
  if (remote_) {
    NPU_TRY_ASSIGN(auto remote, remote::RemoteConfiguredModel::create(*remote_, package_));
    return ConfiguredInferModel(std::move(remote));
  }
  NPU_TRY_ASSIGN(auto core, detail::ConfiguredModelCore::create(vdevice_, package_));
  return ConfiguredInferModel(std::move(core));
}

}  // namespace npu
