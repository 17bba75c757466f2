// The compute clusters: each program op is charged to the timing model and (unless timing-only)
// computed bit-exactly on device memory.
#include <cstring>
#include <fmt/format.h>

#include "gemm_i8.hpp"
#include "sim_device_impl.hpp"

namespace npu::sim {

const std::byte* SimDeviceImpl::view(std::uint64_t address, std::uint64_t bytes, std::vector<std::byte>& scratch) {
  if (const std::byte* p = ddr_.contiguous(address, bytes)) return p;
  scratch.resize(bytes);
  return ddr_.read(address, scratch) ? scratch.data() : nullptr;
}

fw::OpOutcome SimDeviceImpl::gemm_i8(const fw::OpRequest& r) {
  const abi::OpDesc& op = *r.op;
  const std::uint64_t m = op.dims[0], k = op.dims[1], n = op.dims[2];
  const bool has_bias = op.operands[2].segment != abi::kNoSegment;
  WorkItem item;
  item.kind = WorkKind::kCompute;
  item.label = fmt::format("gemm_i8 #{}", r.index);
  item.macs = m * k * n;
  item.precision = Precision::kInt8;
  item.weight_bytes = n * k + (has_bias ? 4 * n : 0);
  item.weight_location = r.weights_in_sram ? MemLocation::kSram : MemLocation::kDdr;
  item.act_bytes_in = m * k;
  item.act_bytes_out = m * n;
  item.act_location = MemLocation::kDdr;  // ABI v1 segments live in device DDR
  fw::OpOutcome out{fw::OpStatus::kOk, charge(item)};
  if (memory_error_armed_) {
    memory_error_armed_ = false;
    out.status = fw::OpStatus::kMemoryError;
    return out;
  }
  if (r.timing_only) return out;

  std::vector<std::byte> sa, sw, sb, so;
  const auto* a = reinterpret_cast<const std::int8_t*>(view(r.address[0], m * k, sa));
  const auto* w = reinterpret_cast<const std::int8_t*>(view(r.address[1], n * k, sw));
  const std::int32_t* bias = nullptr;
  if (has_bias) bias = reinterpret_cast<const std::int32_t*>(view(r.address[2], 4 * n, sb));
  std::byte* dst = ddr_.contiguous(r.address[3], m * n);
  if (!dst) {
    so.resize(m * n);
    dst = so.data();
  }
  if (!a || !w || (has_bias && !bias)) {
    out.status = fw::OpStatus::kExecError;
    return out;
  }
  // Bias may be unaligned in device memory: copy it to aligned storage first.
  std::vector<std::int32_t> bias_copy;
  if (bias && reinterpret_cast<std::uintptr_t>(bias) % alignof(std::int32_t) != 0) {
    bias_copy.resize(n);
    std::memcpy(bias_copy.data(), bias, 4 * n);
    bias = bias_copy.data();
  }
  const Requant q{op.params[0], op.params[1], op.params[2], op.params[3] == 1};
  sim::gemm_i8(a, w, bias, reinterpret_cast<std::int8_t*>(dst), m, k, n, q);
  if (!so.empty() && !ddr_.write(r.address[3], so)) out.status = fw::OpStatus::kExecError;
  return out;
}

fw::OpOutcome SimDeviceImpl::execute_op(const fw::OpRequest& r) {
  switch (static_cast<abi::OpCode>(r.op->opcode)) {
    case abi::OpCode::kNop: return fw::OpOutcome{fw::OpStatus::kOk, fw::Cost{now(), now(), 0, 0, 0}};
    case abi::OpCode::kGemmI8: return gemm_i8(r);
  }
  return fw::OpOutcome{fw::OpStatus::kExecError, {}};
}

}  // namespace npu::sim
