// The client side of a multi-process VDevice (the npud backend): a connection to npud and what the
// daemon told us about its devices.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/vdevice_backend.hpp"
#include "npu/vdevice.hpp"
#include "remote/connection.hpp"

namespace npu::remote {

class RemoteVDevice final : public backend::VDeviceBackend {
 public:
  // Connects to npud at $NPU_NPUD_SOCKET (else /run/npustack/npud.sock) and registers `params`
  // (the daemon checks the device ids against the devices it owns).
  [[nodiscard]] static Expected<std::shared_ptr<RemoteVDevice>> connect(const VDeviceParams& params);

  [[nodiscard]] const VDeviceParams& params() const noexcept override { return params_; }
  [[nodiscard]] std::size_t device_count() const noexcept override { return identities_.size(); }
  [[nodiscard]] const DeviceIdentity& identity(std::size_t device) const override { return identities_.at(device); }
  [[nodiscard]] Expected<DeviceStats> stats(std::size_t device) override;
  [[nodiscard]] SchedulerStats scheduler_stats() const override;
  [[nodiscard]] Expected<std::shared_ptr<const backend::InferModelBackend>> create_infer_model(
      const std::filesystem::path& path) override;
  [[nodiscard]] Expected<std::unique_ptr<backend::LlmBackend>> create_llm(const genai::LLMParams& params) override;
  [[nodiscard]] const std::shared_ptr<Connection>& connection() const noexcept { return connection_; }

 private:
  RemoteVDevice(VDeviceParams params, std::shared_ptr<Connection> connection)
      : params_(std::move(params)), connection_(std::move(connection)) {}

  VDeviceParams params_;
  std::shared_ptr<Connection> connection_;
  std::vector<DeviceIdentity> identities_;
};

}  // namespace npu::remote
