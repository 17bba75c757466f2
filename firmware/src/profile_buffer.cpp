#include "profile_buffer.hpp"

#include <algorithm>
#include <cmath>

namespace npu::fw {

void ProfileBuffer::start() {
  clear();
  recording_ = true;
}

void ProfileBuffer::clear() noexcept {
  records_.clear();
  dropped_ = 0;
}

void ProfileBuffer::add(abi::ProfileKind kind, const Cost& cost, std::uint32_t context_id,
                        std::uint16_t opcode, std::uint32_t op_index, std::uint32_t layer) {
  if (!recording_) return;
  if (records_.size() >= kCapacity) {
    ++dropped_;
    return;
  }
  abi::ProfileRecord r{};
  r.start_cycle = cost.start;
  r.end_cycle = cost.end;
  r.compute_cycles = cost.compute_cycles;
  r.memory_cycles = cost.memory_cycles;
  r.bytes = cost.ddr_bytes;
  const double nj = std::max(0.0, cost.energy_j * 1e9);
  r.energy_nj = nj >= 4294967295.0 ? 0xffffffffu : static_cast<std::uint32_t>(std::llround(nj));
  r.context_id = context_id;
  r.op_index = op_index;
  r.layer = layer;
  r.kind = static_cast<std::uint16_t>(kind);
  r.opcode = opcode;
  r.memory_bound = cost.memory_bound ? 1 : 0;
  records_.push_back(r);
}

}  // namespace npu::fw
