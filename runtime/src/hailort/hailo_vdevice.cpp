#include "hailo_vdevice.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include <hailo/hailort.hpp>

#include "hailo_status_error.hpp"

namespace npu::hailort_backend {
namespace {

Expected<hailo_device_id_t> raw_id(std::string_view id) {
  const std::string hailo_id = hailo_device_id(id);
  hailo_device_id_t raw{};
  if (hailo_id.empty() || hailo_id.size() >= sizeof(raw.id)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not a Hailo device id (expected hailo:<id> as `npu scan` lists it)", id));
  }
  std::memcpy(raw.id, hailo_id.c_str(), hailo_id.size() + 1);
  return raw;
}

}  // namespace

Expected<std::shared_ptr<HailoVDevice>> HailoVDevice::create(const HailoVDeviceParams& params) {
  std::vector<hailo_device_id_t> ids;
  std::vector<HailoDevice> devices;
  for (const auto& id : params.device_ids) {
    NPU_TRY_ASSIGN(auto raw, raw_id(id));
    ids.push_back(raw);
  }
  // What each device is, asked before HailoRT's VDevice owns it; a device that cannot be
  // identified is not opened (the error says why: busy, driver or firmware mismatch).
  if (ids.empty()) {
    NPU_TRY_ASSIGN(auto seen, scan_devices());
    auto usable = std::find_if(seen.begin(), seen.end(), [](const HailoDevice& d) { return d.usable; });
    if (usable == seen.end()) {
      if (seen.empty()) {
        return fail(ErrorCode::kNotFound,
                    "HailoRT sees no Hailo device: check `lspci -d 1e60:` and that the hailo1x_pci driver is "
                    "loaded (`lsmod | grep hailo`), or select the simulator with --device sim:0");
      }
      return fail(ErrorCode::kBusy, fmt::format("{} cannot be used: {}", seen.front().id, seen.front().note));
    }
    NPU_TRY_ASSIGN(auto raw, raw_id(usable->hailo_id));
    ids.push_back(raw);
    devices.push_back(*usable);
  } else {
    for (const auto& raw : ids) {
      NPU_TRY_ASSIGN(auto d, identify_device(raw.id));
      devices.push_back(std::move(d));
    }
  }
  hailo_vdevice_params_t p{};
  if (auto s = hailo_init_vdevice_params(&p); s != HAILO_SUCCESS) return hailo_fail(s, "preparing VDevice parameters");
  p.device_count = static_cast<uint32_t>(ids.size());
  p.device_ids = ids.data();
  p.scheduling_algorithm = params.round_robin ? HAILO_SCHEDULING_ALGORITHM_ROUND_ROBIN : HAILO_SCHEDULING_ALGORITHM_NONE;
  if (!params.group_id.empty()) p.group_id = params.group_id.c_str();
  p.multi_process_service = params.multi_process_service;
  auto vdevice = hailort::VDevice::create_shared(p);
  if (!vdevice) {
    std::string names;
    for (const auto& d : devices) names += (names.empty() ? "" : ", ") + d.id;
    return hailo_fail(vdevice.status(), fmt::format("opening {} through HailoRT", names));
  }
  return std::make_shared<HailoVDevice>(vdevice.release(), std::move(devices), params.round_robin);
}

HailoVDevice::HailoVDevice(std::shared_ptr<hailort::VDevice> vdevice, std::vector<HailoDevice> devices,
                           bool round_robin)
    : vdevice_(std::move(vdevice)), devices_(std::move(devices)), round_robin_(round_robin) {}

HailoVDevice::~HailoVDevice() = default;

}  // namespace npu::hailort_backend
