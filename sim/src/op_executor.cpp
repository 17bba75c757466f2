// The compute clusters: each program op is charged to the timing model (described and priced once
// per distinct op and run shape, op_cost_cache.hpp) and (unless timing-only) computed bit-exactly
// on device memory (op_cost.cpp, op_compute.cpp).
#include "op_kernels.hpp"
#include "sim_device_impl.hpp"

namespace npu::sim {

fw::OpOutcome SimDeviceImpl::execute_op(const fw::OpRequest& r) {
  if (r.op->opcode == static_cast<std::uint16_t>(abi::OpCode::kNop))
    return fw::OpOutcome{fw::OpStatus::kOk, fw::Cost{now(), now(), 0, 0, 0}};
  fw::OpOutcome out{fw::OpStatus::kOk, {}};
  if (tracing_) {
    out.cost = charge(describe_op(r, true));  // labelled for the trace
  } else {
    const OpCostCache::Entry& e = op_costs_.get(r, *timing_);
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

}  // namespace npu::sim
