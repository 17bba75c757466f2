// What one WorkItem costs on each resource of a profile, before any queueing (ItemCost): the pure
// part of the timing model. All durations are whole cycles, rounded up by DeviceProfile::cycles.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "npu/sim/timing_model.hpp"

namespace npu::sim::detail {

// Precomputed per-profile rates so that charging an item is a handful of divisions; and a memo of
// recent items' costs, because a decode step charges the same few hundred ops every token (only
// the attention ops' KV length moves). The cost is a pure function of the item's fields below, so
// a remembered cost is the computed one, bit for bit.
class CostModel {
 public:
  explicit CostModel(const DeviceProfile& profile);
  // Computes (or recalls) what `item` costs.
  [[nodiscard]] ItemCost cost(const WorkItem& item);

 private:
  // Every field of a WorkItem that its cost depends on (not its label or layer).
  struct Key {
    std::uint64_t kinds = 0;  // kind, precision, weight and activation locations, descriptors
    std::uint64_t macs = 0, vector_ops = 0, weight_bytes = 0, layer_weight_bytes = 0;
    std::uint64_t act_bytes_in = 0, act_bytes_out = 0, bytes = 0, control_ns = 0;
    bool operator==(const Key&) const = default;
  };
  struct Slot {
    Key key;
    ItemCost cost;
    bool used = false;
  };
  static constexpr std::size_t kMemoSlots = 1024;  // direct-mapped; a collision recomputes
  [[nodiscard]] static Key key_of(const WorkItem& item) noexcept;
  [[nodiscard]] static std::size_t slot_of(const Key& k) noexcept;
  [[nodiscard]] ItemCost compute_cost(const WorkItem& item) const;

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
  std::vector<Slot> memo_;
};

}  // namespace npu::sim::detail
