#include "hailort/hailo_vdevice.hpp"

#include <cstring>

#include <fmt/format.h>

#include <hailo/hailort.hpp>

#include "hailort/hailo_infer_model.hpp"
#include "hailort/hailo_llm.hpp"
#include "hailort/hailo_status_error.hpp"

namespace npu::hailort_backend {
namespace {

Expected<hailo_device_id_t> raw_id(std::string_view id) {
  const std::string hailo_id = hailo_device_id(id);
  hailo_device_id_t raw{};
  if (!id.starts_with(kIdPrefix) || hailo_id.empty() || hailo_id.size() >= sizeof(raw.id)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not a Hailo device id (expected hailo:<id> as `npu scan` lists it)", id));
  }
  std::memcpy(raw.id, hailo_id.c_str(), hailo_id.size() + 1);
  return raw;
}

}  // namespace

Expected<std::shared_ptr<HailoVDevice>> HailoVDevice::create(const VDeviceParams& params,
                                                             std::span<const std::string> device_ids) {
  if (device_ids.empty()) {
    return fail(ErrorCode::kInvalidArgument, "no Hailo device given: name one as `npu scan` lists it (hailo:...)");
  }
  std::vector<hailo_device_id_t> ids;
  std::vector<HailoDevice> devices;
  for (const auto& id : device_ids) {
    NPU_TRY_ASSIGN(auto raw, raw_id(id));
    // What it is, asked before HailoRT's VDevice owns it. A device that cannot be identified is
    // not opened: the error says why (busy, driver or firmware mismatch).
    NPU_TRY_ASSIGN(auto device, identify_device(id));
    ids.push_back(raw);
    devices.push_back(std::move(device));
  }
  hailo_vdevice_params_t p{};
  if (auto s = hailo_init_vdevice_params(&p); s != HAILO_SUCCESS) return hailo_fail(s, "preparing the VDevice parameters");
  p.device_count = static_cast<uint32_t>(ids.size());
  p.device_ids = ids.data();
  p.scheduling_algorithm = params.scheduling_algorithm == SchedulingAlgorithm::kRoundRobin
                               ? HAILO_SCHEDULING_ALGORITHM_ROUND_ROBIN
                               : HAILO_SCHEDULING_ALGORITHM_NONE;
  if (!params.group_id.empty()) p.group_id = params.group_id.c_str();
  p.multi_process_service = false;  // npustack's own service is npud (VDeviceParams::multi_process)
  auto vdevice = hailort::VDevice::create_shared(p);
  if (!vdevice) {
    std::string names;
    for (const auto& d : devices) names += (names.empty() ? "" : ", ") + d.id;
    return hailo_fail(vdevice.status(), fmt::format("opening {} through HailoRT", names));
  }
  return std::make_shared<HailoVDevice>(params, vdevice.release(), std::move(devices));
}

HailoVDevice::HailoVDevice(VDeviceParams params, std::shared_ptr<hailort::VDevice> vdevice,
                           std::vector<HailoDevice> devices)
    : params_(std::move(params)), vdevice_(std::move(vdevice)) {
  for (const auto& d : devices) identities_.push_back(identity_of(d));
}

HailoVDevice::~HailoVDevice() = default;

Expected<DeviceStats> HailoVDevice::stats(std::size_t device) {
  if (device >= identities_.size()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device index {} out of range (this VDevice has {})", device, identities_.size()));
  }
  return DeviceStats{};
}

Expected<std::shared_ptr<const backend::InferModelBackend>> HailoVDevice::create_infer_model(
    const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto model, HailoInferModel::open(std::static_pointer_cast<HailoVDevice>(shared_from_this()), path));
  return std::shared_ptr<const backend::InferModelBackend>(std::move(model));
}

Expected<std::unique_ptr<backend::LlmBackend>> HailoVDevice::create_llm(const genai::LLMParams& params) {
  NPU_TRY_ASSIGN(auto llm, HailoLlm::create(std::static_pointer_cast<HailoVDevice>(shared_from_this()), params));
  return std::unique_ptr<backend::LlmBackend>(std::move(llm));
}

}  // namespace npu::hailort_backend
