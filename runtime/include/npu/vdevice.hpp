// npu::VDevice: one or more NPUs behind one scheduler, the entry point of the runtime API.
//
//   NPU_TRY_ASSIGN(auto vdevice, npu::VDevice::create());          // first device
//   NPU_TRY_ASSIGN(auto model, vdevice->create_infer_model("mlp.npk"));
//   NPU_TRY_ASSIGN(auto configured, model.configure());
//
// Whether a device is simulated or real makes no difference here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/driver/driver.hpp"
#include "npu/hal/device_info.hpp"
#include "npu/infer_model.hpp"

namespace npu {

using DeviceInfo = hal::DeviceInfo;
using DeviceIdentity = driver::DeviceIdentity;
using DeviceStats = driver::DeviceStats;

enum class SchedulingAlgorithm : std::uint8_t {
  kNone,        // FIFO in submission order; scheduler knobs are refused
  kRoundRobin,  // priority first, then round-robin among models of equal priority
};

struct VDeviceParams {
  std::vector<std::string> device_ids;  // empty = the first device; {"all"} = every device
  SchedulingAlgorithm scheduling_algorithm = SchedulingAlgorithm::kRoundRobin;
  std::string group_id = "SHARED";      // VDevices with one group id share devices (with npud)
  // Go through the npud daemon (socket $NPU_NPUD_SOCKET, else /run/npustack/npud.sock), which owns
  // the devices and shares them among processes; the rest of the API works the same.
  bool multi_process = false;
};

struct SchedulerStats {
  std::uint64_t runs = 0;             // jobs executed
  std::uint64_t model_switches = 0;   // consecutive jobs on a device from different models
  std::uint64_t aborted = 0;          // jobs dropped (model destroyed, timed out in the queue)
};

namespace detail {
class VDeviceCore;
}
namespace remote {
class RemoteVDevice;
}

class VDevice {
 public:
  // Every device the host can see (including ones that cannot be opened, with a note why).
  [[nodiscard]] static Expected<std::vector<DeviceInfo>> scan();
  [[nodiscard]] static Expected<std::unique_ptr<VDevice>> create(const VDeviceParams& params = {});

  explicit VDevice(std::shared_ptr<detail::VDeviceCore> core);
  explicit VDevice(std::shared_ptr<remote::RemoteVDevice> remote);  // multi_process: through npud
  ~VDevice();
  VDevice(const VDevice&) = delete;
  VDevice& operator=(const VDevice&) = delete;

  [[nodiscard]] Expected<InferModel> create_infer_model(const std::filesystem::path& npk_path);

  [[nodiscard]] std::size_t device_count() const noexcept;
  [[nodiscard]] const DeviceIdentity& identity(std::size_t device = 0) const;
  [[nodiscard]] Expected<DeviceStats> stats(std::size_t device = 0);
  [[nodiscard]] SchedulerStats scheduler_stats() const;
  [[nodiscard]] const VDeviceParams& params() const noexcept;
  // The devices and scheduler this VDevice shares with its models; for runtime components built
  // on top of it (genai::LLM). Opaque outside the runtime. Null for a multi-process VDevice,
  // whose devices live in npud: then remote() is set.
  [[nodiscard]] const std::shared_ptr<detail::VDeviceCore>& core() const noexcept { return core_; }
  [[nodiscard]] const std::shared_ptr<remote::RemoteVDevice>& remote() const noexcept { return remote_; }

 private:
  std::shared_ptr<detail::VDeviceCore> core_;
  std::shared_ptr<remote::RemoteVDevice> remote_;
};

}  // namespace npu
