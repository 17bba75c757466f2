// The client side of a multi-process VDevice: a connection to npud and what the daemon told us
// about its devices. VDevice, InferModel and genai::LLM delegate here when multi_process is set.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connection.hpp"
#include "npu/vdevice.hpp"

namespace npu::remote {

class RemoteVDevice {
 public:
  // Connects to npud at $NPU_NPUD_SOCKET (else /run/npustack/npud.sock) and registers `params`
  // (the daemon checks the device ids against the devices it owns).
  [[nodiscard]] static Expected<std::shared_ptr<RemoteVDevice>> connect(const VDeviceParams& params);

  [[nodiscard]] const VDeviceParams& params() const noexcept { return params_; }
  [[nodiscard]] std::size_t device_count() const noexcept { return identities_.size(); }
  [[nodiscard]] const DeviceIdentity& identity(std::size_t device) const { return identities_.at(device); }
  [[nodiscard]] Expected<DeviceStats> stats(std::size_t device);
  [[nodiscard]] SchedulerStats scheduler_stats() const;
  [[nodiscard]] const std::shared_ptr<Connection>& connection() const noexcept { return connection_; }

 private:
  RemoteVDevice(VDeviceParams params, std::shared_ptr<Connection> connection)
      : params_(std::move(params)), connection_(std::move(connection)) {}

  VDeviceParams params_;
  std::shared_ptr<Connection> connection_;
  std::vector<DeviceIdentity> identities_;
};

}  // namespace npu::remote
