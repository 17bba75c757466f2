// Which backend and devices a VDevice opens, decided from what the backends see. Pure logic over
// scan results, so every case is testable without devices:
//   - multi_process: the service backend (npud), which chooses among the devices it owns;
//   - explicit ids: the backend owning their family (all ids of one backend; an unknown family
//     names the known ones);
//   - default (no ids, or {"all"}): a usable real accelerator if any (all of that backend's
//     usable devices for "all"), else the simulator; a real accelerator that is present but no
//     backend can use is an error that says how to fix it and how to ask for the simulator
//     instead. NPU_SIM_DEVICES set in the environment (not 0) asks for the simulator: then real
//     accelerators are not considered.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.hpp"

namespace npu::backend {

struct BackendDevices {
  std::shared_ptr<Backend> backend;
  std::vector<DeviceInfo> devices;  // its scan
};

struct Selection {
  std::shared_ptr<Backend> backend;
  std::vector<std::string> device_ids;  // empty for the service backend
  std::string reason;
};

// `scan` is called only for the default choice.
[[nodiscard]] Expected<Selection> select_devices(const VDeviceParams& params,
                                                 const std::vector<std::shared_ptr<Backend>>& backends,
                                                 const std::function<Expected<std::vector<BackendDevices>>()>& scan,
                                                 bool simulator_requested);

}  // namespace npu::backend
