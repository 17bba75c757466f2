#include "local/local_vdevice.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "npu/common/log.hpp"

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
    : params_(std::move(params)), drivers_(std::move(drivers)), dropped_(drivers_.size(), false),
      scheduler_(std::make_unique<detail::Scheduler>(params_.scheduling_algorithm, drivers_.size())) {
  for (const auto& d : drivers_) identities_.push_back(to_runtime(d->identity()));
}

LocalVDevice::~LocalVDevice() { scheduler_.reset(); }

bool LocalVDevice::drop_removed_devices() {
  std::vector<std::size_t> now_dropped;
  {
    std::lock_guard lock(dropped_mutex_);
    for (std::size_t d = 0; d < drivers_.size(); ++d) {
      if (dropped_[d] || drivers_[d]->present()) continue;
      std::size_t remaining = 0;
      for (std::size_t o = 0; o < drivers_.size(); ++o) remaining += (o != d && !dropped_[o]) ? 1 : 0;
      if (remaining == 0) break;  // the last one stays: its errors say what happened
      dropped_[d] = true;
      now_dropped.push_back(d);
    }
  }
  for (std::size_t d : now_dropped) {
    const std::string& id = identities_[d].info.id;
    log().warn("device {} was removed: dropped from this VDevice; its work moves to the other devices", id);
    scheduler_->retire_worker(d, Error(ErrorCode::kDeviceLost,
                                       fmt::format("device {} was removed from the VDevice", id)));
  }
  return !now_dropped.empty();
}

bool LocalVDevice::usable(std::size_t device) const {
  std::lock_guard lock(dropped_mutex_);
  return device < dropped_.size() && !dropped_[device];
}

bool LocalVDevice::dropped_after(const Error& error, std::size_t device) {
  if (error.code() != ErrorCode::kDeviceLost) return false;
  (void)drop_removed_devices();
  return !usable(device);
}

std::vector<std::size_t> LocalVDevice::usable_by_free_memory() const {
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  {
    std::lock_guard lock(dropped_mutex_);
    for (std::size_t d = 0; d < drivers_.size(); ++d) {
      if (!dropped_[d]) order.emplace_back(drivers_[d]->free_device_bytes(), d);
    }
  }
  std::ranges::stable_sort(order, [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::size_t> out;
  for (const auto& [free, d] : order) out.push_back(d);
  return out;
}

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
