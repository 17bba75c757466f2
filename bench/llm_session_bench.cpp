// Host cost of the LLM session path (runtime + driver + hal) per generated token, on a small
// LFM2-shaped model compiled here. Timing-only runs make the device compute nothing, so what is
// left is the stack's own per-token work: scheduling, DMA of the token and next_token, RUN.
// Counters: host_us_per_token (wall clock per generated token), stack_us_per_token (time inside
// the stack's DMA + RUN calls), modeled_device_us_per_token. Use --benchmark_out=FILE.json for a
// JSON file.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "bench_models.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"

namespace {

using namespace npu;

// The small LFM2 the other benches use (bench_models.hpp), compiled once per run.
std::filesystem::path compile_model() {
  auto path = std::filesystem::temp_directory_path() / ("npu_llm_bench_" + std::to_string(::getpid()) + ".npk");
  if (auto r = bench::compile_small_lfm2(path); !r) {
    std::fprintf(stderr, "bench_llm_session: compiling the model failed: %s\n", r.error().what().c_str());
    std::exit(1);
  }
  return path;
}

void run(benchmark::State& state, bool timing_only) {
  static const auto path = compile_model();
  auto vdevice = VDevice::create().value();
  auto llm = genai::LLM::create(*vdevice, {.model_path = path}).value();
  const auto tokens = static_cast<std::uint32_t>(state.range(0));
  double host = 0, stack = 0, device = 0, generated = 0;
  for (auto _ : state) {
    (void)llm->clear_context();
    genai::GeneratorParams p;
    p.greedy = true;
    p.ignore_end_tokens = true;
    p.timing_only = timing_only;
    p.max_generated_tokens = tokens;
    std::vector<genai::TokenId> prompt{1, 20, 30, 40};
    auto gen = llm->generate(prompt, p).value();
    while (gen.read(std::chrono::minutes(1)).value().kind != genai::OutputKind::kEnd) {}
    auto s = gen.stats();
    host += static_cast<double>(s.host_decode.count()) / 1e3;
    stack += static_cast<double>(s.host_step.count()) / 1e3 * s.tbt_runs / std::max(1u, s.tbt_runs + s.prefill_runs);
    device += static_cast<double>(s.device_decode.count()) / 1e3;
    generated += s.tbt_runs;
  }
  state.counters["host_us_per_token"] = host / generated;
  state.counters["stack_us_per_token"] = stack / generated;
  state.counters["modeled_device_us_per_token"] = device / generated;
}

void BM_LlmDecodeTimingOnly(benchmark::State& state) { run(state, true); }
void BM_LlmDecodeFunctional(benchmark::State& state) { run(state, false); }
BENCHMARK(BM_LlmDecodeTimingOnly)->Arg(32)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LlmDecodeFunctional)->Arg(32)->Unit(benchmark::kMillisecond);

}  // namespace
