// estimate_workload: runs the load, the TTFT pass and one decode step through a TimingModel and
// reports times, utilisation, DDR traffic, per-layer bound and energy.
#include "npu/sim/workload_model.hpp"

#include <algorithm>

namespace npu::sim {

namespace {

PassReport summarise(const TimingModel& model, std::span<const Task> tasks,
                     const ScheduleResult& run, const ModelShape* shape) {
  PassReport r;
  const auto& p = model.profile();
  const Cycles span = model.now();
  r.seconds = p.seconds(span);
  r.macs = model.totals().macs;
  r.ddr_bytes = model.totals().ddr_bytes;
  r.energy_j = model.energy_j();
  for (std::size_t i = 0; i < kResourceCount; ++i) {
    r.utilisation[i] = span ? static_cast<double>(model.totals().busy[i]) / span : 0.0;
  }
  if (shape == nullptr) return r;
  r.layers.resize(shape->layers.size());
  std::vector<Cycles> first(shape->layers.size(), ~Cycles{0});
  std::vector<Cycles> last(shape->layers.size(), 0);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const std::uint32_t l = tasks[i].item.layer;
    if (l >= r.layers.size()) continue;
    const Charge& c = run.charges[i];
    first[l] = std::min(first[l], c.start);
    last[l] = std::max(last[l], c.end);
    r.layers[l].compute_cycles += c.compute_cycles;
    r.layers[l].memory_cycles += c.memory_cycles;
  }
  for (std::uint32_t l = 0; l < r.layers.size(); ++l) {
    auto& lr = r.layers[l];
    lr.index = l;
    lr.type = shape->layers[l];
    lr.cycles = last[l] > first[l] ? last[l] - first[l] : 0;
    lr.memory_bound = lr.memory_cycles > lr.compute_cycles;
  }
  return r;
}

Expected<PassReport> run_pass(TimingModel& model, const std::vector<Task>& tasks,
                              const ModelShape* shape, std::string* trace = nullptr) {
  model.reset();
  model.enable_trace(trace != nullptr);
  NPU_TRY_ASSIGN(const auto run, run_schedule(model, tasks));
  if (trace != nullptr) *trace = model.trace_json();
  return summarise(model, tasks, run, shape);
}

}  // namespace

Expected<WorkloadReport> estimate_workload(const DeviceProfile& profile, const ModelShape& shape,
                                           const PrecisionPolicy& policy,
                                           const WorkloadOptions& options) {
  NPU_TRY_ASSIGN(const WorkloadPlan plan, plan_workload(profile, shape, policy, options));
  NPU_TRY_ASSIGN(auto model, TimingModel::create(profile));
  WorkloadReport report;
  report.plan = plan;

  NPU_TRY_ASSIGN(report.load, run_pass(*model, load_tasks(profile, plan), nullptr));
  report.load_s = report.load.seconds;

  // TTFT: switch to the prefill context, then the prompt in chunks, the remainder chunk first.
  const std::uint32_t chunk = options.prefill_chunk;
  const std::uint32_t prompt = options.prompt_tokens ? options.prompt_tokens : chunk;
  std::vector<Task> prefill;
  append_chain(prefill, {context_switch_item(profile, "prefill")});
  std::uint32_t position = 0;
  while (position < prompt) {
    const std::uint32_t rest = prompt - position;
    const std::uint32_t tokens = rest % chunk ? rest % chunk : chunk;
    auto pass = forward_pass_tasks(shape, policy, plan, tokens, position);
    std::vector<WorkItem> items;
    items.reserve(pass.size());
    for (auto& t : pass) items.push_back(std::move(t.item));
    append_chain(prefill, std::move(items));
    position += tokens;
  }
  NPU_TRY_ASSIGN(report.prefill, run_pass(*model, prefill, &shape,
                                                   options.trace ? &report.prefill_trace : nullptr));
  report.ttft_s = report.prefill.seconds;

  const std::uint32_t decode_at = options.decode_position ? options.decode_position : prompt;
  NPU_TRY_ASSIGN(report.decode,
                 run_pass(*model, forward_pass_tasks(shape, policy, plan, 1, decode_at), &shape,
                          options.trace ? &report.decode_trace : nullptr));
  report.decode_step_s = report.decode.seconds;
  report.decode_tokens_per_s = report.decode_step_s > 0 ? 1.0 / report.decode_step_s : 0.0;
  report.energy_per_token_j = report.decode.energy_j;
  report.decode_power_w = report.decode_step_s > 0 ? report.decode.energy_j / report.decode_step_s : 0;
  return report;
}

}  // namespace npu::sim
