// The simulator's integer kLinear kernels on the matrices one LFM2-1.2B decode step streams with
// the default policy (m = 1): W4A8 conv-block projections, W8A8 attention-block projections and
// the int8 block-32 head. Reports weight bytes streamed per second for every ISA path the host
// supports, so a kernel change can be judged without the whole stack:
//   bench_linear_int [--benchmark_filter=avx512] [--benchmark_min_time=0.2s]
// Weights are far larger than the last-level cache (except the smallest), as in a real decode.
#include <benchmark/benchmark.h>

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "kernels/linear_int.hpp"

namespace {

using npu::sim::kernels::Isa;

struct Shape {
  const char* name;
  std::size_t k, n, group;
  bool int4;
};

// k x n of the LFM2-1.2B matrices (hidden 2048, FFN 8192, 8 KV heads of 64, vocab 65536), then
// matrices small enough for L2 (the kernels' compute rate, without DRAM).
constexpr Shape kShapes[] = {
    {"w4_conv_in_2048x6144", 2048, 6144, 0, true},  {"w4_ffn_up_2048x8192", 2048, 8192, 0, true},
    {"w4_ffn_down_8192x2048", 8192, 2048, 0, true}, {"w8_attn_q_2048x2048", 2048, 2048, 0, false},
    {"w8_ffn_up_2048x8192", 2048, 8192, 0, false},  {"w8_ffn_down_8192x2048", 8192, 2048, 0, false},
    {"i8b32_head_2048x65536", 2048, 65536, 32, false}, {"l2_w4_2048x256", 2048, 256, 0, true},
    {"l2_w8_2048x128", 2048, 128, 0, false},        {"l2_i8b32_2048x128", 2048, 128, 32, false},
};

void run_shape(benchmark::State& state, Isa isa, const Shape& s) {
  std::uint32_t seed = 7;  // a cheap LCG: filling 134 MB with mt19937 would dominate the run
  auto byte = [&seed] { return (seed = seed * 1664525u + 1013904223u) >> 24; };
  const std::size_t wbytes = s.n * (s.int4 ? s.k / 2 : s.k), blocks = s.group ? s.k / s.group : 1;
  // Weights in 2 MiB-aligned memory, on huge pages when NPU_BENCH_HUGEPAGES=1 (as the device
  // memory could be): shows what TLB misses cost the kernels.
  const std::size_t alloc = (wbytes + (std::size_t{2} << 20) - 1) & ~((std::size_t{2} << 20) - 1);
  std::unique_ptr<std::uint8_t, decltype(&std::free)> wmem(static_cast<std::uint8_t*>(std::aligned_alloc(std::size_t{2} << 20, alloc)), &std::free);
  if (const char* e = std::getenv("NPU_BENCH_HUGEPAGES"); e && e[0] == '1') ::madvise(wmem.get(), alloc, MADV_HUGEPAGE);
  std::uint8_t* w = wmem.get();
  for (std::size_t i = 0; i < wbytes; ++i) w[i] = static_cast<std::uint8_t>(byte());
  std::vector<std::int8_t> x(s.k);
  for (auto& v : x) v = static_cast<std::int8_t>(static_cast<int>(byte() % 255) - 127);
  std::vector<float> scales(s.n * blocks, 0.01f), out(s.n);
  const npu::sim::kernels::LinearIntArgs a{x.data(), w, s.int4, scales.data(), out.data(),
                                           1, s.k, s.n, s.group, 0.02f};
  for (auto _ : state) {
    npu::sim::kernels::linear_int_parallel(isa, a);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double bytes = static_cast<double>(wbytes + scales.size() * sizeof(float));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}

const bool registered = [] {
  for (Isa isa : npu::sim::kernels::supported_isas())
    for (const Shape& s : kShapes)
      benchmark::RegisterBenchmark((std::string(npu::sim::kernels::isa_name(isa)) + "/" + s.name).c_str(),
                                   [isa, s](benchmark::State& st) { run_shape(st, isa, s); })
          ->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
