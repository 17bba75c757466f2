#include "context_table.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "npu/common/log.hpp"
#include "npu/firmware/fw_manifest.hpp"
#include "npu_abi/op_features.hpp"

namespace npu::fw {
namespace {

constexpr std::uint64_t kMaxProgramBytes = 16u << 20;

bool range_inside(std::uint64_t base, std::uint64_t size, std::uint64_t limit) {
  return base <= limit && size <= limit - base;
}

}  // namespace

void ContextTable::configure(std::uint32_t max_contexts) {
  slots_.assign(max_contexts, std::nullopt);
  active_.reset();
}

void ContextTable::clear() {
  slots_.clear();
  active_.reset();
}

std::uint32_t ContextTable::loaded() const noexcept {
  return static_cast<std::uint32_t>(std::ranges::count_if(slots_, [](const auto& s) { return s.has_value(); }));
}

void ContextTable::switch_to(std::uint32_t id) {
  const LoadedContext& c = *slots_[id];
  const Cost cost = platform_.charge_context_load(c.program_bytes + c.sram_bytes, fmt::format("context {}", id));
  profile_.add(abi::ProfileKind::kContextSwitch, cost, id);
  ++stats_.context_switches;
  active_ = id;
}

abi::MboxStatus ContextTable::load(const abi::LoadContextRequest& req, abi::LoadContextResponse& resp,
                                   const FirmwareManifest& manifest) {
  const HardwareInfo& hw = platform_.hardware();
  if (req.context_id >= slots_.size()) {
    log().debug("fw: LOAD_CONTEXT id {} >= max_contexts {}", req.context_id, slots_.size());
    return abi::MboxStatus::kBadArgs;
  }
  if (req.num_segments > abi::kMaxSegments ||
      std::ranges::any_of(req.reserved, [](std::uint8_t b) { return b != 0; }))
    return abi::MboxStatus::kBadArgs;
  if (req.program_size < sizeof(abi::ProgramHeader) || req.program_size > kMaxProgramBytes ||
      !range_inside(req.program_addr, req.program_size, hw.ddr_bytes))
    return abi::MboxStatus::kBadArgs;
  LoadedContext c;
  c.segments.count = req.num_segments;
  for (std::uint32_t i = 0; i < req.num_segments; ++i) {
    if (!range_inside(req.segment_base[i], req.segment_size[i], hw.ddr_bytes)) {
      log().debug("fw: LOAD_CONTEXT segment {} outside device memory", i);
      return abi::MboxStatus::kBadArgs;
    }
    c.segments.base[i] = req.segment_base[i];
    c.segments.size[i] = req.segment_size[i];
  }
  std::vector<std::byte> bytes(req.program_size);
  if (!platform_.read_device(req.program_addr, bytes)) return abi::MboxStatus::kDmaError;
  auto program = validate_program(bytes, c.segments);
  if (!program) {
    log().info("fw: LOAD_CONTEXT {} refused: {}", req.context_id, program.error().message());
    return abi::MboxStatus::kBadProgram;
  }
  for (const abi::OpDesc& op : program->ops) {
    const abi::OpFeatures needs = abi::op_features(op);
    for (std::size_t f = 0; f < needs.count; ++f) {
      if (manifest.has_feature(needs.list[f].name)) continue;
      log().info("fw: LOAD_CONTEXT {} refused: {} needs feature {}, which this firmware does not serve",
                 req.context_id, needs.list[f].what, needs.list[f].name);
      return abi::MboxStatus::kBadProgram;
    }
  }
  c.program = std::move(*program);
  c.program_id = next_program_id_++;
  c.program_bytes = req.program_size;
  c.sram_bytes = std::max(req.sram_bytes, c.program.header.sram_bytes);
  const auto weights = static_cast<std::size_t>(abi::Segment::kWeights);
  c.weights_in_sram = c.segments.count > weights && c.segments.size[weights] > 0 &&
                      c.sram_bytes >= c.segments.size[weights];
  // SRAM is swapped at each context switch (switch_to charges reloading it), so only the active
  // context's resident data must fit: each context on its own, not all loaded contexts together.
  if (c.sram_bytes > hw.sram_bytes) return abi::MboxStatus::kNoResources;

  // Loading over a loaded id replaces it (an implicit unload).
  slots_[req.context_id] = std::move(c);
  Cycles before = platform_.now();
  switch_to(req.context_id);
  resp.load_cycles = platform_.now() - before;
  resp.num_ops = slots_[req.context_id]->program.header.num_ops;
  return abi::MboxStatus::kOk;
}

abi::MboxStatus ContextTable::unload(std::uint32_t id) {
  if (id >= slots_.size() || !slots_[id]) return abi::MboxStatus::kNoSuchContext;
  slots_[id].reset();
  if (active_ == id) active_.reset();
  return abi::MboxStatus::kOk;
}

RunOutcome ContextTable::run(const abi::RunRequest& req, abi::RunResponse& resp) {
  RunOutcome out;
  if (req.context_id >= slots_.size() || !slots_[req.context_id]) {
    out.status = abi::MboxStatus::kNoSuchContext;
    return out;
  }
  if ((req.flags & ~std::uint32_t{abi::kRunTimingOnly}) != 0) {
    out.status = abi::MboxStatus::kBadArgs;
    return out;
  }
  const std::uint64_t total = slots_[req.context_id]->program.ops.size();
  const std::uint64_t first = req.first_op;
  std::uint64_t count = req.num_ops == 0 ? (first <= total ? total - first : 0) : req.num_ops;
  if (first > total || count > total - first) {
    out.status = abi::MboxStatus::kBadArgs;
    return out;
  }
  // The run starts when the device takes it: a context switch it needs is part of it.
  resp.start_cycle = platform_.now();
  const double energy_before = platform_.energy_j();
  if (active_ != req.context_id) switch_to(req.context_id);
  const LoadedContext& c = *slots_[req.context_id];
  ++stats_.runs;
  OpRequest op_req;
  op_req.weights_in_sram = c.weights_in_sram;
  const std::uint64_t sram = platform_.hardware().sram_bytes;
  op_req.activation_sram_bytes = sram > c.sram_bytes ? sram - c.sram_bytes : 0;
  op_req.program_id = c.program_id;
  op_req.timing_only = (req.flags & abi::kRunTimingOnly) != 0;
  op_req.run_params = req.params;
  platform_.write_reg(abi::reg::kRunProgress, 0);  // ABI 1.2: the host bounds the RUN by progress
  if (op_req.timing_only) {
    // No values move: the whole run is charged in one call (progress reported at its end).
    op_req.index = static_cast<std::uint32_t>(first);
    std::span<Cost> costs;
    if (profile_.recording()) {
      op_costs_.resize(count);
      costs = op_costs_;
    }
    const OpBatchOutcome b = platform_.execute_timing_only_ops(
        op_req, std::span(c.program.ops).subspan(first, count), costs);
    if (b.core_stopped) {
      out.aborted = true;
      return out;
    }
    const std::uint64_t charged = b.executed + (b.status != OpStatus::kOk ? 1u : 0u);
    for (std::uint64_t k = 0; k < charged && !costs.empty(); ++k) {
      const abi::OpDesc& op = c.program.ops[first + k];
      profile_.add(abi::ProfileKind::kOp, costs[k], req.context_id, op.opcode, static_cast<std::uint32_t>(first + k),
                   abi::op_layer(op));
    }
    resp.compute_cycles += b.compute_cycles;
    resp.dma_cycles += b.memory_cycles;
    resp.ddr_bytes += b.ddr_bytes;
    stats_.ddr_bytes += b.ddr_bytes;
    resp.ops_executed = b.executed;
    if (b.status != OpStatus::kOk) {
      resp.failed_op = static_cast<std::uint32_t>(first + b.executed);
      out.status = abi::MboxStatus::kExecError;
      if (b.status == OpStatus::kMemoryError) out.fault = abi::FaultCode::kMemoryError;
    }
    platform_.write_reg(abi::reg::kRunProgress, resp.ops_executed);
    count = 0;  // done: the loop below is for runs that compute values
  }
  for (std::uint64_t i = first; i < first + count; ++i) {
    const abi::OpDesc& op = c.program.ops[i];
    op_req.op = &op;
    op_req.index = static_cast<std::uint32_t>(i);
    if (!op_req.timing_only) {  // a timing-only run reads and writes no values
      for (std::size_t k = 0; k < 4; ++k) op_req.address[k] = operand_address(op.operands[k], c.segments);
      if (op.opcode == static_cast<std::uint16_t>(abi::OpCode::kMoeLinear)) {  // validated: params[1] >= 0
        const auto table = make_operand(abi::Segment::kScratch, abi::DType::kI32, static_cast<std::uint64_t>(op.params[1]));
        op_req.route_address = operand_address(table, c.segments);
      }
    }
    OpOutcome r = platform_.execute_op(op_req);
    if (!platform_.core_running()) {
      out.aborted = true;
      return out;
    }
    profile_.add(abi::ProfileKind::kOp, r.cost, req.context_id, op.opcode, op_req.index, abi::op_layer(op));
    resp.compute_cycles += r.cost.compute_cycles;
    resp.dma_cycles += r.cost.memory_cycles;
    resp.ddr_bytes += r.cost.ddr_bytes;
    stats_.ddr_bytes += r.cost.ddr_bytes;
    if (r.status != OpStatus::kOk) {
      resp.failed_op = static_cast<std::uint32_t>(i);
      out.status = abi::MboxStatus::kExecError;
      if (r.status == OpStatus::kMemoryError) out.fault = abi::FaultCode::kMemoryError;
      break;
    }
    ++resp.ops_executed;
    platform_.write_reg(abi::reg::kRunProgress, resp.ops_executed);
  }
  resp.end_cycle = platform_.now();
  const double nj = (platform_.energy_j() - energy_before) * 1e9;
  resp.energy_nj = nj > 0 ? static_cast<std::uint64_t>(std::llround(nj)) : 0;
  return out;
}

}  // namespace npu::fw
