// DeviceDriver: contexts (program upload, LOAD/UNLOAD/RUN) and statistics.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "device_driver.hpp"
#include "npu/driver/abi_compat.hpp"
#include "npu_abi/op_features.hpp"
#include "npu_abi/program.hpp"
#include "npu_abi/regs.hpp"

namespace npu::driver {

namespace {

Expected<void> validate(const ContextSpec& spec) {
  if (spec.program.size() < sizeof(abi::ProgramHeader)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("context program of {} bytes is shorter than its {}-byte header; pass "
                            "the program from the compiled model",
                            spec.program.size(), sizeof(abi::ProgramHeader)));
  }
  if (spec.num_segments > abi::kMaxSegments) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("context has {} segments; at most {} are supported", spec.num_segments,
                            abi::kMaxSegments));
  }
  return {};
}

}  // namespace

Expected<ContextHandle> DeviceDriver::load_context_locked(const ContextSpec& spec) {
  for (std::uint32_t i = 0; i < spec.num_segments; ++i) {
    const auto& seg = spec.segments[i];
    if (seg.size != 0) NPU_TRY(check_generation(seg.generation, "a context segment's memory"));
  }
  NPU_TRY_ASSIGN(const std::uint32_t id, contexts_.acquire());
  std::uint64_t program_addr = 0;
  {
    std::lock_guard mlock(memory_mutex_);
    auto a = memory_ ? memory_->allocate(spec.program.size(), 256)
                     : Expected<std::uint64_t>(fail(ErrorCode::kDeviceError, "device not running"));
    if (!a) {
      (void)contexts_.release(id);
      return fail(a.error().with_context("placing the context program in device memory"));
    }
    program_addr = *a;
  }
  contexts_.set_program(id, program_addr);
  auto undo = [&] {
    (void)contexts_.release(id);
    std::lock_guard mlock(memory_mutex_);
    if (memory_) (void)memory_->release(program_addr);
  };
  if (auto w = parts_.h2d->write(program_addr, spec.program); !w) {
    undo();
    return fail(w.error().with_context("uploading the context program"));
  }
  abi::LoadContextRequest req{};
  req.context_id = id;
  req.num_segments = spec.num_segments;
  req.program_addr = program_addr;
  req.program_size = spec.program.size();
  for (std::uint32_t i = 0; i < spec.num_segments; ++i) {
    req.segment_base[i] = spec.segments[i].address;
    req.segment_size[i] = spec.segments[i].size;
  }
  req.sram_bytes = spec.sram_bytes;
  auto resp = parts_.mailbox->call<abi::LoadContextResponse>(abi::MboxOpcode::kLoadContext, req,
                                                             options_.mailbox_timeout);
  if (!resp) {
    undo();
    return fail(resp.error());
  }
  return ContextHandle{id, generation_.load(), resp->num_ops, resp->load_cycles};
}

Expected<void> DeviceDriver::check_program_features(std::span<const std::byte> program) const {
  abi::ProgramHeader header{};
  std::memcpy(&header, program.data(), sizeof header);
  if (header.op_size != sizeof(abi::OpDesc) || header.header_size < sizeof header) return {};  // (the firmware refuses it)
  const std::size_t fit = (program.size() - header.header_size) / sizeof(abi::OpDesc);
  for (std::size_t i = 0; i < std::min<std::size_t>(header.num_ops, fit); ++i) {
    abi::OpDesc op{};
    std::memcpy(&op, program.data() + header.header_size + i * sizeof op, sizeof op);
    const abi::OpFeatures needs = abi::op_features(op);
    for (std::size_t f = 0; f < needs.count; ++f) NPU_TRY(require_feature(needs.list[f].name, needs.list[f].what));
  }
  return {};
}

Expected<ContextHandle> DeviceDriver::load_context(const ContextSpec& spec) {
  NPU_TRY(validate(spec));
  NPU_TRY(check_program_features(spec.program));
  ContextHandle handle;
  // Path::kDma: a failed program upload leaves the ring in doubt, so it triggers recovery.
  auto done = guarded(Path::kDma, [&]() -> Expected<void> {
    NPU_TRY_ASSIGN(handle, load_context_locked(spec));
    return {};
  });
  if (!done) return fail(done.error());
  return handle;
}

Expected<void> DeviceDriver::unload_context(const ContextHandle& context) {
  return guarded(Path::kMailbox, [&]() -> Expected<void> {
    NPU_TRY(check_generation(context.generation, fmt::format("context {}", context.id).c_str()));
    if (!contexts_.in_use(context.id)) {
      return fail(ErrorCode::kNotFound,
                  fmt::format("context {} is not loaded (already unloaded?)", context.id));
    }
    abi::UnloadContextRequest req{};
    req.context_id = context.id;
    NPU_TRY(parts_.mailbox->call(abi::MboxOpcode::kUnloadContext,
                                 std::as_bytes(std::span(&req, 1)), options_.mailbox_timeout));
    if (auto program = contexts_.release(context.id)) {
      std::lock_guard mlock(memory_mutex_);
      if (memory_) (void)memory_->release(*program);
    }
    return {};
  });
}

Expected<RunResult> DeviceDriver::run(const ContextHandle& context, const RunParams& params) {
  RunResult result;
  auto done = guarded(Path::kMailbox, [&]() -> Expected<void> {
    NPU_TRY(check_generation(context.generation, fmt::format("context {}", context.id).c_str()));
    abi::RunRequest req{};
    req.context_id = context.id;
    req.flags = params.timing_only ? abi::kRunTimingOnly : 0u;
    req.first_op = params.first_op;
    req.num_ops = params.num_ops;
    std::memcpy(req.params, params.params.data(), sizeof req.params);
    // ABI >= 1.2: the timeout runs between completed ops (RUN_PROGRESS), so it follows the work.
    const std::uint32_t progress =
        abi_supports(identity_.abi_version, "watchdog.heartbeat") ? abi::reg::kRunProgress : 0;
    NPU_TRY_ASSIGN(auto r, parts_.mailbox->call<abi::RunResponse>(abi::MboxOpcode::kRun, req,
                                                                  options_.run_timeout, progress));
    result = RunResult{r.start_cycle, r.end_cycle, r.compute_cycles, r.dma_cycles, r.ddr_bytes,
                       r.ops_executed, static_cast<double>(r.energy_nj) * 1e-9};
    return {};
  });
  if (!done) return fail(done.error());
  return result;
}

Expected<DeviceStats> DeviceDriver::stats() {
  DeviceStats s;
  auto done = guarded(Path::kMailbox, [&]() -> Expected<void> {
    NPU_TRY_ASSIGN(auto r, parts_.mailbox->call<abi::StatsResponse>(abi::MboxOpcode::kQueryStats,
                                                                    options_.mailbox_timeout));
    s.cycles = r.cycles;
    s.busy_cycles = r.busy_cycles;
    s.runs = r.runs;
    s.context_switches = r.context_switches;
    s.h2d_bytes = r.h2d_bytes;
    s.d2h_bytes = r.d2h_bytes;
    s.ddr_bytes = r.ddr_bytes;
    s.mailbox_requests = r.mailbox_requests;
    s.contexts_loaded = r.contexts_loaded;
    s.energy_j = static_cast<double>(r.energy_nj) * 1e-9;
    s.dynamic_energy_j = static_cast<double>(r.dynamic_energy_nj) * 1e-9;
    return {};
  });
  if (!done) return fail(done.error());
  s.resets = resets_.load();
  s.lost_interrupts = parts_.irq->lost_interrupts();
  s.interrupts = parts_.irq->interrupts();
  {
    std::lock_guard mlock(memory_mutex_);
    if (memory_) {
      const auto m = memory_->stats();
      s.device_memory_free = m.free_bytes;
      s.device_memory_largest_free = m.largest_free_block;
      s.device_memory_fragmentation = m.fragmentation;
    }
  }
  const auto h2d = parts_.h2d->ring_stats();
  const auto d2h = parts_.d2h->ring_stats();
  s.h2d_descriptors = h2d.descriptors;
  s.d2h_descriptors = d2h.descriptors;
  s.dma_ring_full_waits = h2d.full_waits + d2h.full_waits;
  return s;
}

}  // namespace npu::driver
