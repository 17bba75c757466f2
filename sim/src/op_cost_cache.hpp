// The WorkItem and cost of each op of the loaded programs, remembered from one run to the next: a
// decode step runs the same ops on the same operands every token, so describing and pricing them
// again is wasted host time. A remembered entry is used only when everything describe_op reads is
// equal — the same op of the same loaded program (OpRequest::program_id and index), its rows in
// this run, the run's position for attention, where the context keeps weights and activations —
// and the cost is a pure function of the item, so what it returns is what describing and pricing
// would give, bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "npu/firmware/platform.hpp"
#include "op_kernels.hpp"
#include "npu/sim/timing_model.hpp"

namespace npu::sim {

class OpCostCache {
 public:
  struct Entry {
    WorkItem item;  // unlabelled
    ItemCost cost;
  };
  // The item and cost of `request` under `rules` on `timing` (described and priced on a miss, or
  // every time for a request without a program_id). `rules` and `timing` must be the same on every
  // call.
  [[nodiscard]] const Entry& get(const fw::OpRequest& request, const OpCostRules& rules, TimingModel& timing);

 private:
  struct Slot {
    std::uint64_t program_id = 0;  // 0: empty
    std::uint32_t index = 0;
    bool weights_in_sram = false;
    std::uint64_t rows = 0;
    std::int64_t position = 0;  // attention with a growing window only (0 for every other op)
    std::uint64_t activation_sram_bytes = 0;
    Entry entry;
  };
  // Direct-mapped by program and op index: a program's ops take consecutive slots, and a
  // collision only costs a recomputation.
  static constexpr std::size_t kSlots = 1024;
  std::vector<Slot> slots_;
  Entry scratch_;  // for requests without a program_id
};

}  // namespace npu::sim
