#include "npu/hal/sim_control.hpp"

#include <charconv>

#include <fmt/format.h>

#include "npu/sim/fault_plan.hpp"
#include "sim/sim_registry.hpp"

namespace npu::hal::sim_control {
namespace {

Expected<std::shared_ptr<sim::SimDevice>> open_sim(const std::string& id) {
  auto device = sim_registry::find(id);
  if (!device) return fail(ErrorCode::kNotFound, fmt::format("no simulated device '{}' is open in this process", id));
  return device;
}

}  // namespace

Expected<void> set_faults(const std::string& id, const std::string& spec) {
  NPU_TRY_ASSIGN(auto device, open_sim(id));
  NPU_TRY_ASSIGN(auto plan, sim::FaultPlan::parse(spec));
  std::uint32_t index = 0;
  const std::string_view num = std::string_view(id).substr(4);  // registered ids are "sim:N"
  (void)std::from_chars(num.data(), num.data() + num.size(), index);
  device->set_fault_plan(plan.for_device(index));  // entries naming another device do not apply
  return {};
}

Expected<std::uint64_t> device_cycles(const std::string& id) {
  NPU_TRY_ASSIGN(auto device, open_sim(id));
  return device->cycles();
}

Expected<void> enable_trace(const std::string& id, bool on) {
  NPU_TRY_ASSIGN(auto device, open_sim(id));
  device->enable_trace(on);
  return {};
}

Expected<std::string> trace_json(const std::string& id) {
  NPU_TRY_ASSIGN(auto device, open_sim(id));
  return device->trace_json();
}

Expected<std::uint64_t> control_core_host_ns(const std::string& id) {
  NPU_TRY_ASSIGN(auto device, open_sim(id));
  return device->control_core_host_ns();
}

Expected<std::uint64_t> ddr_resident_bytes(const std::string& id) {
  NPU_TRY_ASSIGN(auto device, open_sim(id));
  return device->ddr_resident_bytes();
}

}  // namespace npu::hal::sim_control
