#include "local/local_vdevice.hpp"

#include "local/llm/local_llm.hpp"
#include "local/local_configured_model.hpp"
#include "local/runtime_types.hpp"
#include "npk/npk_infer_model.hpp"

namespace npu::local {
namespace {

// A .npk opened on in-process devices; configure() loads it on every device of the VDevice.
class LocalInferModel final : public npk::NpkInferModel {
 public:
  LocalInferModel(std::shared_ptr<LocalVDevice> vdevice, std::shared_ptr<const detail::ModelPackage> package)
      : NpkInferModel(std::move(package)), vdevice_(std::move(vdevice)) {}
  [[nodiscard]] Expected<std::unique_ptr<backend::ConfiguredModelBackend>> configure() const override {
    NPU_TRY_ASSIGN(auto model, LocalConfiguredModel::create(vdevice_, package_ptr()));
    return std::unique_ptr<backend::ConfiguredModelBackend>(std::move(model));
  }

 private:
  std::shared_ptr<LocalVDevice> vdevice_;
};

}  // namespace

LocalVDevice::LocalVDevice(VDeviceParams params, std::vector<std::unique_ptr<driver::Driver>> drivers)
    : params_(std::move(params)), drivers_(std::move(drivers)),
      scheduler_(std::make_unique<detail::Scheduler>(params_.scheduling_algorithm, drivers_.size())) {
  for (const auto& d : drivers_) identities_.push_back(to_runtime(d->identity()));
}

LocalVDevice::~LocalVDevice() { scheduler_.reset(); }

Expected<DeviceStats> LocalVDevice::stats(std::size_t device) {
  NPU_TRY_ASSIGN(auto s, drivers_.at(device)->stats());
  return to_runtime(s);
}

Expected<std::shared_ptr<const backend::InferModelBackend>> LocalVDevice::create_infer_model(
    const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto package, detail::ModelPackage::open(path));
  auto self = std::static_pointer_cast<LocalVDevice>(shared_from_this());
  return std::shared_ptr<const backend::InferModelBackend>(
      std::make_shared<LocalInferModel>(std::move(self), std::move(package)));
}

Expected<std::unique_ptr<backend::LlmBackend>> LocalVDevice::create_llm(const genai::LLMParams& params) {
  return LocalLlm::create(std::static_pointer_cast<LocalVDevice>(shared_from_this()), params);
}

}  // namespace npu::local
