// Models for the simulator benchmarks, compiled here through the real compiler: a "timing-only"
// .npk from a Hugging Face config.json (the program and sizes of the real thing, no weight
// values: the device charges the weight upload without data and must run timing-only), and small
// functional LFM2 models.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "npu/common/error.hpp"

namespace npu::bench {

struct TimingOnlyModel {
  std::string config;            // built-in model name (`npu compile --synthetic NAME`) or HF config.json path
  std::string policy = "w4a8";   // built-in precision policy
  std::uint32_t context = 2048;
  std::uint32_t prefill_chunk = 96;
};

// Compiles the shapes of `m` (LlmCompileOptions::timing_only: no weight values) and writes an
// .npk without a weights section to `out`. Returns the weights segment size in bytes.
[[nodiscard]] Expected<std::uint64_t> compile_timing_only(const TimingOnlyModel& m, const std::filesystem::path& out);

// An LFM2 with synthetic weights for functional runs: conv and attention blocks alternating,
// head size 64, context 512. The defaults are the small one (hidden 256, 4 layers, vocab 1024).
struct Lfm2Shape {
  std::uint32_t hidden = 256, layers = 4, ffn = 512, vocab = 1024;
  std::string name = "bench-lfm2-small";
};
[[nodiscard]] Expected<void> compile_lfm2(const std::filesystem::path& out, const Lfm2Shape& shape);
[[nodiscard]] Expected<void> compile_small_lfm2(const std::filesystem::path& out);

}  // namespace npu::bench
