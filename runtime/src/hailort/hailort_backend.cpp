#include "hailort/hailort_backend.hpp"

#include "hailort/hailo_devices.hpp"
#include "hailort/hailo_vdevice.hpp"

namespace npu::hailort_backend {
namespace {

class HailortBackend final : public backend::Backend {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "hailort"; }
  [[nodiscard]] std::vector<std::string> model_kinds() const override { return {"hef"}; }
  [[nodiscard]] bool owns_device(std::string_view device_id) const override {
    return device_id.starts_with(kIdPrefix);
  }

  [[nodiscard]] Expected<std::vector<DeviceInfo>> scan() const override {
    NPU_TRY_ASSIGN(auto devices, scan_devices());
    std::vector<DeviceInfo> out;
    out.reserve(devices.size());
    for (const auto& d : devices) out.push_back(info_of(d));
    return out;
  }

  [[nodiscard]] Expected<std::shared_ptr<backend::VDeviceBackend>> open(
      const VDeviceParams& params, std::span<const std::string> device_ids) const override {
    NPU_TRY_ASSIGN(auto vdevice, HailoVDevice::create(params, device_ids));
    return std::shared_ptr<backend::VDeviceBackend>(std::move(vdevice));
  }
};

}  // namespace

std::shared_ptr<backend::Backend> make_backend() { return std::make_shared<HailortBackend>(); }

}  // namespace npu::hailort_backend
