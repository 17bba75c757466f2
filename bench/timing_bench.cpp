// Host cost of timing-only simulation: one decode step of an LFM2-1.2B-shaped model through the
// TimingModel (building the step's items, and charging prebuilt items). The counters report the
// modeled device time per step, so the speed-up over real time is visible.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "npu/sim/workload_model.hpp"

namespace {

using namespace npu::sim;

// LFM2-1.2B shapes (LiquidAI's published config): 10 short-conv + 6 attention blocks.
ModelShape lfm2_1_2b() {
  ModelShape s;
  s.architecture = "lfm2";
  s.hidden = 2048;
  s.heads = 32;
  s.kv_heads = 8;
  s.head_dim = 64;
  s.ffn = 8192;
  s.vocab = 65536;
  s.conv_kernel = 3;
  s.qk_norm = true;
  s.tied_embedding = true;
  const bool attention[16] = {0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0};
  for (bool a : attention) s.layers.push_back(a ? LayerType::kAttention : LayerType::kShortConv);
  return s;
}

struct Fixture {
  DeviceProfile profile;
  std::unique_ptr<TimingModel> model;
  ModelShape shape = lfm2_1_2b();
  PrecisionPolicy policy;
  WorkloadPlan plan;

  Fixture() {
    auto p = DeviceProfile::load("hailo10h");
    if (!p) std::abort();
    profile = *p;
    auto m = TimingModel::create(profile);
    auto pl = plan_workload(profile, shape, policy, {});
    if (!m || !pl) std::abort();
    model = std::move(*m);
    plan = *pl;
  }
};

void BM_DecodeStepBuildAndCharge(benchmark::State& state) {
  Fixture f;
  Cycles modeled = 0;
  for (auto _ : state) {
    f.model->reset();
    const auto tasks = forward_pass_tasks(f.shape, f.policy, f.plan, 1, 512);
    auto run = run_schedule(*f.model, tasks);
    benchmark::DoNotOptimize(run);
    modeled = f.model->now();
  }
  state.counters["modeled_ms"] = f.profile.seconds(modeled) * 1e3;
}
BENCHMARK(BM_DecodeStepBuildAndCharge)->Unit(benchmark::kMicrosecond);

void BM_DecodeStepChargeOnly(benchmark::State& state) {
  Fixture f;
  const auto tasks = forward_pass_tasks(f.shape, f.policy, f.plan, 1, 512);
  for (auto _ : state) {
    f.model->reset();
    auto run = run_schedule(*f.model, tasks);
    benchmark::DoNotOptimize(run);
  }
  state.counters["items"] = static_cast<double>(tasks.size());
  state.counters["modeled_ms"] = f.profile.seconds(f.model->now()) * 1e3;
}
BENCHMARK(BM_DecodeStepChargeOnly)->Unit(benchmark::kMicrosecond);

}  // namespace
