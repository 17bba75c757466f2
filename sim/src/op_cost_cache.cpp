#include "op_cost_cache.hpp"

#include "op_kernels.hpp"

namespace npu::sim {

const OpCostCache::Entry& OpCostCache::get(const fw::OpRequest& r, const OpCostRules& rules, TimingModel& timing) {
  if (r.program_id == 0) {
    scratch_.item = describe_op(r, rules, false);
    scratch_.cost = timing.cost(scratch_.item);
    return scratch_;
  }
  if (slots_.empty()) slots_.resize(kSlots);
  Slot& s = slots_[(r.program_id * 613 + r.index) % kSlots];
  const std::uint64_t rows = op_rows(r);
  // describe_op reads the position for attention only (its KV length), and not with a static window.
  const std::int64_t position =
      r.op->opcode == static_cast<std::uint16_t>(abi::OpCode::kAttention) && !rules.static_kv_window ? op_position(r)
                                                                                                     : 0;
  if (s.program_id == r.program_id && s.index == r.index && s.rows == rows && s.position == position &&
      s.weights_in_sram == r.weights_in_sram && s.activation_sram_bytes == r.activation_sram_bytes)
    return s.entry;
  s.program_id = r.program_id;
  s.index = r.index;
  s.rows = rows;
  s.position = position;
  s.weights_in_sram = r.weights_in_sram;
  s.activation_sram_bytes = r.activation_sram_bytes;
  s.entry.item = describe_op(r, rules, false);
  s.entry.cost = timing.cost(s.entry.item);
  return s.entry;
}

}  // namespace npu::sim
