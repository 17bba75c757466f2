#include "local/local_backend.hpp"

#include <fmt/format.h>

#include "local/local_vdevice.hpp"
#include "local/runtime_types.hpp"
#include "npu/hal/backend.hpp"
#include "npu/hal/enumerate.hpp"

namespace npu::local {
namespace {

class LocalBackend final : public backend::Backend {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "in-process"; }
  [[nodiscard]] std::vector<std::string> model_kinds() const override { return {"npk"}; }

  [[nodiscard]] bool owns_device(std::string_view id) const override {
    const std::string_view family = id.substr(0, id.find(':'));
    for (const auto& b : hal::registered_backends()) {
      if (b->name() == family) return true;
    }
    return false;
  }

  [[nodiscard]] Expected<std::vector<DeviceInfo>> scan() const override {
    NPU_TRY_ASSIGN(auto found, hal::enumerate_devices());
    std::vector<DeviceInfo> out;
    out.reserve(found.size());
    for (const auto& d : found) out.push_back(to_runtime(d));
    return out;
  }

  [[nodiscard]] Expected<std::shared_ptr<backend::VDeviceBackend>> open(
      const VDeviceParams& params, std::span<const std::string> ids) const override {
    std::vector<std::unique_ptr<driver::Driver>> drivers;
    for (const auto& id : ids) {
      NPU_TRY_ASSIGN(auto device, hal::open_device(id));
      auto drv = driver::Driver::open(std::move(device));
      if (!drv) return fail(drv.error().with_context(fmt::format("opening device {}", id)));
      drivers.push_back(std::move(*drv));
    }
    return std::shared_ptr<backend::VDeviceBackend>(std::make_shared<LocalVDevice>(params, std::move(drivers)));
  }
};

}  // namespace

std::shared_ptr<backend::Backend> make_backend() { return std::make_shared<LocalBackend>(); }

}  // namespace npu::local
