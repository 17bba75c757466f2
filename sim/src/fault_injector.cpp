#include "fault_injector.hpp"

namespace npu::sim {

void FaultInjector::set_plan(FaultPlan plan) {
  std::lock_guard lock(mutex_);
  plan_ = std::move(plan);
  fired_.assign(plan_.faults.size(), false);
  counters_.fill(0);
}

std::vector<FaultKind> FaultInjector::hit(FaultTrigger trigger) {
  std::lock_guard lock(mutex_);
  std::vector<FaultKind> out;
  if (plan_.faults.empty()) return out;
  const std::uint64_t n = ++counters_[static_cast<std::size_t>(trigger)];
  for (std::size_t i = 0; i < plan_.faults.size(); ++i) {
    const FaultSpec& f = plan_.faults[i];
    if (!fired_[i] && f.trigger == trigger && f.count == n) {
      fired_[i] = true;
      out.push_back(f.kind);
    }
  }
  return out;
}

}  // namespace npu::sim
