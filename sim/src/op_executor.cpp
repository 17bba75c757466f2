// The compute clusters: each program op is charged to the timing model (described and priced once
// per distinct op and run shape, op_cost_cache.hpp) and (unless timing-only) computed bit-exactly
// on device memory (op_cost.cpp, op_compute.cpp); a timing-only run is charged in one call.
#include "op_kernels.hpp"
#include "sim_device_impl.hpp"

namespace npu::sim {

fw::OpOutcome SimDeviceImpl::execute_op(const fw::OpRequest& r) {
  if (r.op->opcode == static_cast<std::uint16_t>(abi::OpCode::kNop))
    return fw::OpOutcome{fw::OpStatus::kOk, fw::Cost{now(), now(), 0, 0, 0}};
  fw::OpOutcome out{fw::OpStatus::kOk, {}};
  if (tracing_) {
    out.cost = charge(describe_op(r, cost_rules_, true));  // labelled for the trace
  } else {
    const OpCostCache::Entry& e = op_costs_.get(r, cost_rules_, *timing_);
    out.cost = charge(e.item, e.cost);
  }
  if (memory_error_armed_) {
    memory_error_armed_ = false;
    out.status = fw::OpStatus::kMemoryError;
    return out;
  }
  if (!r.timing_only) out.status = compute_op(ddr_, r);
  return out;
}

fw::OpBatchOutcome SimDeviceImpl::execute_timing_only_ops(fw::OpRequest r, std::span<const abi::OpDesc> ops,
                                                          std::span<fw::Cost> costs) {
  // Labelled items for a trace, or an armed memory error that fails the next op: op by op.
  if (tracing_ || memory_error_armed_) return fw::Platform::execute_timing_only_ops(r, ops, costs);
  // Nothing else can stop an op of a timing-only run or the core in the middle of one (faults
  // fire at commands and DMA descriptors), so every op is charged and finishes kOk.
  fw::OpBatchOutcome out;
  const std::uint32_t first = r.index;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    if (ops[k].opcode == static_cast<std::uint16_t>(abi::OpCode::kNop)) {
      if (!costs.empty()) costs[k] = fw::Cost{now(), now(), 0, 0, 0};
      continue;
    }
    r.op = &ops[k];
    r.index = first + static_cast<std::uint32_t>(k);
    const OpCostCache::Entry& e = op_costs_.get(r, cost_rules_, *timing_);
    const fw::Cost c = charge(e.item, e.cost);
    if (!costs.empty()) costs[k] = c;
    out.compute_cycles += c.compute_cycles;
    out.memory_cycles += c.memory_cycles;
    out.ddr_bytes += c.ddr_bytes;
  }
  out.executed = static_cast<std::uint32_t>(ops.size());
  return out;
}

}  // namespace npu::sim
