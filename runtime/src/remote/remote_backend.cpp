#include "remote/remote_backend.hpp"

#include "remote/remote_vdevice.hpp"

namespace npu::remote {
namespace {

class RemoteBackend final : public backend::Backend {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "npud"; }
  [[nodiscard]] bool is_service() const noexcept override { return true; }
  [[nodiscard]] std::vector<std::string> model_kinds() const override { return {"npk"}; }
  [[nodiscard]] bool owns_device(std::string_view) const override { return false; }
  // npud's devices are listed by the daemon (`npu scan` in its host lists them directly).
  [[nodiscard]] Expected<std::vector<DeviceInfo>> scan() const override { return std::vector<DeviceInfo>{}; }
  [[nodiscard]] Expected<std::shared_ptr<backend::VDeviceBackend>> open(const VDeviceParams& params,
                                                                        std::span<const std::string>) const override {
    NPU_TRY_ASSIGN(auto vdevice, RemoteVDevice::connect(params));
    return std::shared_ptr<backend::VDeviceBackend>(std::move(vdevice));
  }
};

}  // namespace

std::shared_ptr<backend::Backend> make_backend() { return std::make_shared<RemoteBackend>(); }

}  // namespace npu::remote
