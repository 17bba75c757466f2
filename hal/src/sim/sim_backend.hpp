// The sim backend: NPU_SIM_DEVICES (default 1, 0 hides them) simulated devices "sim:0".."sim:N-1",
// each built from the device profile NPU_SIM_PROFILE (default "hailo10h") with the fault plan in
// NPU_SIM_FAULTS. Opening a device creates a fresh simulated chip (power-on state); a device is
// open at most once at a time in a process (kBusy otherwise).
#pragma once

#include <memory>

#include "npu/hal/backend.hpp"

namespace npu::hal {

[[nodiscard]] std::shared_ptr<Backend> make_sim_backend();

}  // namespace npu::hal
