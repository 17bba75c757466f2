// What each program op costs (a WorkItem for the timing model) and computing its values on device
// memory. Internal to npu_sim; the firmware has validated every operand range before these run.
#pragma once

#include <cstdint>

#include "device_memory.hpp"
#include "npu/firmware/platform.hpp"
#include "npu/sim/device_profile.hpp"
#include "npu/sim/timing_model.hpp"

namespace npu::sim {

// Rows an op processes: dims[0], or min(dims[0], params_rt[kParamTokens]) with kRowsFromParam.
[[nodiscard]] std::uint64_t op_rows(const fw::OpRequest& request) noexcept;
[[nodiscard]] std::int64_t op_position(const fw::OpRequest& request) noexcept;

// What an op's cost depends on beyond the op itself: facts of the device profile.
struct OpCostRules {
  // DeviceProfile::attention_static_kv_window: attention reads and computes over its whole compiled
  // KV window every run, whatever the position (then describe_op does not read op_position).
  bool static_kv_window = false;

  [[nodiscard]] static OpCostRules of(const DeviceProfile& profile) noexcept {
    return {.static_kv_window = profile.attention_static_kv_window != 0};
  }
};

// `label`: name the item ("linear #12") for traces; skipped otherwise (it costs host time).
// Reads only the op's descriptor (fixed for a program_id and index), op_rows, op_position
// (attention, unless rules.static_kv_window), weights_in_sram and activation_sram_bytes (and index
// for the label): OpCostCache keys its entries on exactly these.
[[nodiscard]] WorkItem describe_op(const fw::OpRequest& request, const OpCostRules& rules, bool label = true);

// Computes the op's values in `memory`: kOk, or kExecError (e.g. an embedding id out of range,
// a KV position beyond the cache).
[[nodiscard]] fw::OpStatus compute_op(DeviceMemory& memory, const fw::OpRequest& request);

}  // namespace npu::sim
