// npu::VDevice: the front over a VDeviceBackend, opened by the backend registry (device selection).
#include "npu/vdevice.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "backend/infer_model_backend.hpp"
#include "backend/registry.hpp"

namespace npu {

Expected<std::vector<DeviceInfo>> VDevice::scan() { return backend::scan_all(); }

Expected<std::unique_ptr<VDevice>> VDevice::create(const VDeviceParams& params) {
  NPU_TRY_ASSIGN(auto opened, backend::open_vdevice(params));
  return std::make_unique<VDevice>(std::move(opened.backend), std::move(opened.selection));
}

VDevice::VDevice(std::shared_ptr<backend::VDeviceBackend> backend, DeviceSelection selection)
    : backend_(std::move(backend)), selection_(std::move(selection)) {}
VDevice::~VDevice() = default;

Expected<InferModel> VDevice::create_infer_model(const std::filesystem::path& model_path) {
  NPU_TRY(backend::check_model_kind(selection_.backend, model_path));
  NPU_TRY_ASSIGN(auto model, backend_->create_infer_model(model_path));
  return InferModel(std::move(model));
}

std::size_t VDevice::device_count() const noexcept { return backend_->device_count(); }

const DeviceIdentity& VDevice::identity(std::size_t device) const {
  if (device >= backend_->device_count()) {
    throw std::out_of_range(fmt::format("device index {} out of range (this VDevice has {})", device,
                                        backend_->device_count()));
  }
  return backend_->identity(device);
}

Expected<DeviceStats> VDevice::stats(std::size_t device) {
  if (device >= backend_->device_count()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device index {} out of range (this VDevice has {})", device, backend_->device_count()));
  }
  return backend_->stats(device);
}

SchedulerStats VDevice::scheduler_stats() const { return backend_->scheduler_stats(); }
const VDeviceParams& VDevice::params() const noexcept { return backend_->params(); }

}  // namespace npu
