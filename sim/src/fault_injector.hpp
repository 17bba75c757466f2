// Runtime side of a FaultPlan: counts trigger events and says which faults fire at each.
// Thread-safe (the host replaces the plan while the control core counts).
#pragma once

#include <array>
#include <mutex>
#include <vector>

#include "npu/sim/fault_plan.hpp"

namespace npu::sim {

class FaultInjector {
 public:
  void set_plan(FaultPlan plan);
  // Advances `trigger`'s counter; returns the faults that fire at this event (each fires once).
  [[nodiscard]] std::vector<FaultKind> hit(FaultTrigger trigger);

 private:
  std::mutex mutex_;
  FaultPlan plan_;
  std::vector<bool> fired_;
  std::array<std::uint64_t, kFaultTriggerCount> counters_{};
};

}  // namespace npu::sim
