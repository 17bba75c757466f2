// What one WorkItem costs on each resource of a profile, before any queueing: the pure part of
// the timing model. All durations are whole cycles, rounded up by DeviceProfile::cycles.
#pragma once

#include <array>

#include "npu/sim/timing_model.hpp"

namespace npu::sim::detail {

struct ItemCost {
  Cycles lead = 0;                 // on the control core before the body (dispatch, fixed costs)
  Cycles latency = 0;              // pipeline latency of the body (DDR / link), occupies nothing
  std::array<Cycles, kResourceCount> active{};  // busy cycles per resource in the body
  // Resources held for the whole body even while stalled (the MAC clusters of a memory-bound op,
  // the DMA engine of a transfer).
  std::array<bool, kResourceCount> held{};
  Cycles compute = 0;              // max(MAC, vector)
  Cycles memory = 0;               // max(DDR, SRAM, link)
  std::uint64_t ddr_bytes = 0;
  std::uint64_t link_bytes = 0;
  double energy_j = 0.0;

  [[nodiscard]] Cycles body() const noexcept {
    Cycles longest = 0;
    for (Cycles c : active) longest = c > longest ? c : longest;
    return latency + longest;
  }
};

// Precomputed per-profile rates so that charging an item is a handful of divisions.
class CostModel {
 public:
  explicit CostModel(const DeviceProfile& profile);
  [[nodiscard]] ItemCost cost(const WorkItem& item) const;

 private:
  [[nodiscard]] Cycles over(double amount, double per_second) const noexcept;
  [[nodiscard]] double mac_ops_per_s(Precision p) const noexcept;
  [[nodiscard]] double mac_energy(Precision p) const noexcept;
  [[nodiscard]] double reconfig_ns(const WorkItem& item) const noexcept;
  [[nodiscard]] ItemCost compute(const WorkItem& item) const;
  [[nodiscard]] ItemCost dma(const WorkItem& item) const;
  [[nodiscard]] ItemCost context_switch(const WorkItem& item) const;
  [[nodiscard]] ItemCost control(const WorkItem& item) const;

  const DeviceProfile& p_;
  double ddr_rate_;  // sustained bytes/s
};

}  // namespace npu::sim::detail
