// npu::VDevice: one or more NPUs behind one scheduler, the entry point of the runtime API.
//
//   NPU_TRY_ASSIGN(auto vdevice, npu::VDevice::create());          // the default device
//   NPU_TRY_ASSIGN(auto model, vdevice->create_infer_model("mlp.npk"));
//   NPU_TRY_ASSIGN(auto configured, model.configure());
//
// Device ids name their backend: "sim:0" is the simulator, "pcie:..." / "usb:..." a device on
// npustack's own driver, "hailo:..." a Hailo accelerator through HailoRT (when built with it).
// The default device is a usable real accelerator, else the simulator; a real accelerator that is
// present but cannot be used is an error that says how to fix it (or to ask for "sim:0"), never a
// silent fall-back. selection() says which device was picked and why.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/device_info.hpp"
#include "npu/infer_model.hpp"

namespace npu {

enum class SchedulingAlgorithm : std::uint8_t {
  kNone,        // FIFO in submission order; scheduler knobs are refused
  kRoundRobin,  // priority first, then round-robin among models of equal priority
};

struct VDeviceParams {
  // Empty = the default device (see above); {"all"} = every usable device of the default
  // device's backend; else these ids (all of one backend).
  std::vector<std::string> device_ids;
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

// How a VDevice's devices were chosen.
struct DeviceSelection {
  std::string backend;                  // the backend that runs them: "in-process", "npud", "hailort"
  std::vector<std::string> device_ids;  // as opened
  std::string reason;                   // e.g. "default: no accelerator found, using the simulator"
};

namespace backend {
class VDeviceBackend;
}

class VDevice {
 public:
  // Every device the host can see, over all backends (including ones that cannot be opened, with
  // a note why).
  [[nodiscard]] static Expected<std::vector<DeviceInfo>> scan();
  [[nodiscard]] static Expected<std::unique_ptr<VDevice>> create(const VDeviceParams& params = {});

  VDevice(std::shared_ptr<backend::VDeviceBackend> backend, DeviceSelection selection);
  ~VDevice();
  VDevice(const VDevice&) = delete;
  VDevice& operator=(const VDevice&) = delete;

  // A compiled model file of a kind this VDevice's backend runs (.npk in-process and through
  // npud, .hef through HailoRT); another kind is kUnsupported naming the backend that runs it.
  [[nodiscard]] Expected<InferModel> create_infer_model(const std::filesystem::path& model_path);

  [[nodiscard]] std::size_t device_count() const noexcept;
  [[nodiscard]] const DeviceIdentity& identity(std::size_t device = 0) const;
  [[nodiscard]] Expected<DeviceStats> stats(std::size_t device = 0);
  [[nodiscard]] SchedulerStats scheduler_stats() const;
  [[nodiscard]] const VDeviceParams& params() const noexcept;
  [[nodiscard]] const DeviceSelection& selection() const noexcept { return selection_; }
  // The backend behind this VDevice; for runtime components built on top of it (genai::LLM).
  // Opaque outside the runtime.
  [[nodiscard]] const std::shared_ptr<backend::VDeviceBackend>& backend() const noexcept { return backend_; }

 private:
  std::shared_ptr<backend::VDeviceBackend> backend_;
  DeviceSelection selection_;
};

}  // namespace npu
