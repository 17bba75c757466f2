#include "npu/vdevice.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <fcntl.h>

#include <cstring>

#include "model_package.hpp"
#include "npu/hal/enumerate.hpp"
#include "remote/remote_configured_model.hpp"
#include "remote/remote_vdevice.hpp"
#include "vdevice_core.hpp"

namespace npu {
namespace {

// The ids to open: explicit ones, every openable device ("all"), or the first one.
Expected<std::vector<std::string>> resolve_ids(const std::vector<std::string>& wanted) {
  bool all = wanted.size() == 1 && wanted[0] == "all";
  if (!wanted.empty() && !all) return wanted;
  NPU_TRY_ASSIGN(auto devices, hal::enumerate_devices());
  std::vector<std::string> ids;
  for (const auto& d : devices) {
    if (d.abi_native) ids.push_back(d.id);
  }
  if (ids.empty()) {
    return fail(ErrorCode::kNotFound,
                fmt::format("no usable NPU found ({} devices seen): run `npu scan` to see what the "
                            "host sees and why a device cannot be opened", devices.size()));
  }
  if (!all) ids.resize(1);
  return ids;
}

}  // namespace

Expected<std::vector<DeviceInfo>> VDevice::scan() { return hal::enumerate_devices(); }

Expected<std::unique_ptr<VDevice>> VDevice::create(const VDeviceParams& params) {
  if (params.multi_process) {
    NPU_TRY_ASSIGN(auto remote, remote::RemoteVDevice::connect(params));
    return std::make_unique<VDevice>(std::move(remote));
  }
  NPU_TRY_ASSIGN(auto ids, resolve_ids(params.device_ids));
  std::vector<std::unique_ptr<driver::Driver>> drivers;
  for (const auto& id : ids) {
    if (std::count(ids.begin(), ids.end(), id) > 1) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("device '{}' is listed twice", id));
    }
    NPU_TRY_ASSIGN(auto device, hal::open_device(id));
    auto drv = driver::Driver::open(std::move(device));
    if (!drv) return fail(drv.error().with_context(fmt::format("opening device {}", id)));
    drivers.push_back(std::move(*drv));
  }
  auto core = std::make_shared<detail::VDeviceCore>(params, std::move(drivers));
  return std::make_unique<VDevice>(std::move(core));
}

VDevice::VDevice(std::shared_ptr<detail::VDeviceCore> core) : core_(std::move(core)) {}
VDevice::VDevice(std::shared_ptr<remote::RemoteVDevice> remote) : remote_(std::move(remote)) {}
VDevice::~VDevice() = default;

Expected<InferModel> VDevice::create_infer_model(const std::filesystem::path& npk_path) {
  NPU_TRY_ASSIGN(auto package, detail::ModelPackage::open(npk_path));
  if (!remote_) return InferModel(core_, std::move(package));
  // npud reads the file through this descriptor: no path or permission games between processes.
  auto source = std::make_shared<remote::RemoteModelSource>();
  source->vdevice = remote_;
  source->path = std::filesystem::absolute(npk_path).string();
  source->npk.reset(::open(npk_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source->npk.valid()) {
    return fail(ErrorCode::kIo, fmt::format("{}: {}", npk_path.string(), std::strerror(errno)));
  }
  return InferModel(std::shared_ptr<const remote::RemoteModelSource>(std::move(source)), std::move(package));
}

std::size_t VDevice::device_count() const noexcept {
  return remote_ ? remote_->device_count() : core_->drivers().size();
}

const DeviceIdentity& VDevice::identity(std::size_t device) const {
  if (remote_) return remote_->identity(device);
  return core_->drivers().at(device)->identity();
}

Expected<DeviceStats> VDevice::stats(std::size_t device) {
  if (remote_) return remote_->stats(device);
  if (device >= core_->drivers().size()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device index {} out of range (this VDevice has {})", device, core_->drivers().size()));
  }
  return core_->drivers()[device]->stats();
}

SchedulerStats VDevice::scheduler_stats() const {
  return remote_ ? remote_->scheduler_stats() : core_->scheduler().stats();
}
const VDeviceParams& VDevice::params() const noexcept { return remote_ ? remote_->params() : core_->params(); }

}  // namespace npu
