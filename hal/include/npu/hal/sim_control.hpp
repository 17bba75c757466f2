// Test-facing control of simulated devices opened in this process (by id, e.g. "sim:0"), for
// tests above hal that need to inject faults or read modeled time without knowing the simulator.
// Product code must not depend on this header. kNotFound when no sim device with that id is open.
#pragma once

#include <cstdint>
#include <string>

#include "npu/common/error.hpp"

namespace npu::hal::sim_control {

// Replaces the device's fault plan (syntax of NPU_SIM_FAULTS, see npu/sim/fault_plan.hpp, e.g.
// "firmware_crash@run=2,lost_interrupt@mailbox=3"); counting restarts. "" clears it.
[[nodiscard]] Expected<void> set_faults(const std::string& id, const std::string& spec);

// The device's modeled cycle counter.
[[nodiscard]] Expected<std::uint64_t> device_cycles(const std::string& id);

// Chrome/Perfetto trace of the timing model (enable first; a device reset clears it).
[[nodiscard]] Expected<void> enable_trace(const std::string& id, bool on);
[[nodiscard]] Expected<std::string> trace_json(const std::string& id);

// Host time the device's control core spent running firmware, on its own thread or in the host
// threads that rang its doorbells (the simulator's own cost of everything it was asked to do,
// without the host stack around it).
[[nodiscard]] Expected<std::uint64_t> control_core_host_ns(const std::string& id);

// Bytes of simulated DDR backing allocated so far (shows the DDR is sparse).
[[nodiscard]] Expected<std::uint64_t> ddr_resident_bytes(const std::string& id);

}  // namespace npu::hal::sim_control
