// Reference models for the timing tests: the published shapes built into the compiler (`npu
// compile --synthetic NAME`), compiled timing-only (no weight values) and run through the whole
// stack (runtime -> driver -> hal -> sim) on a chosen device profile. Nothing outside the
// repository is read.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "npu/sim/device_profile.hpp"

namespace npu::sim::testing {

inline constexpr const char* kQwen15 = "qwen2-1.5b";
inline constexpr const char* kLfm12 = "lfm2.5-1.2b";
inline constexpr const char* kLfm350 = "lfm2-350m";

// The value, or a test failure naming `what` and the error (then the test body stops).
template <class T>
T must(Expected<T> e, const char* what) {
  if (!e) {
    ADD_FAILURE() << what << ": " << e.error().what();
    throw std::runtime_error(what);
  }
  return std::move(*e);
}

inline DeviceProfile device(const std::string& name) { return must(DeviceProfile::load(name), "profile"); }

struct Npk {
  std::filesystem::path path;
  std::uint64_t weights_bytes = 0;
  ~Npk() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

// A built-in shape compiled timing-only (what `npu compile --synthetic NAME --timing-only` writes).
// `kv_cache` replaces the policy's KV cache type when set.
inline std::unique_ptr<Npk> compile_shape(const std::string& name, const char* policy, std::uint32_t context = 2048,
                                          std::uint32_t chunk = 96,
                                          std::optional<compiler::llm::KvCacheType> kv_cache = std::nullopt) {
  static std::atomic<int> serial{0};
  auto loaded = must(compiler::llm::load_llm_synthetic(name), "shape");
  compiler::llm::LlmCompileOptions o;
  o.policy = must(compiler::llm::builtin_policy(policy), "policy");
  if (kv_cache) o.policy.kv_cache = *kv_cache;
  o.context_length = context;
  o.prefill_chunk = chunk;
  o.timing_only = true;
  o.device = must(compiler::llm::load_device_memory("hailo10h"), "device memory");
  const auto m = must(compiler::llm::compile_llm(loaded.source, o), "compile");
  auto npk = std::make_unique<Npk>();
  npk->path = std::filesystem::temp_directory_path() / fmt::format("npu_timing_{}_{}.npk", ::getpid(), serial++);
  npk->weights_bytes = m.weights_bytes;
  EXPECT_TRUE(compiler::llm::write_llm_npk(m, npk->path));
  return npk;
}

// Modeled figures of one timing-only generation.
struct Figures {
  double load_s = 0, ttft_s = 0, decode_tps = 0, decode_step_s = 0;
  double energy_per_token_j = 0, decode_power_w = 0, prefill_power_w = 0;
  double ddr_bytes_per_token = 0;
  bool decode_memory_bound = false;
  std::vector<npu::LayerProfile> prefill_layers, decode_layers;  // per run
};

// Loads `npk` on a simulated device of `profile`, prefills `prompt` tokens and decodes `gen`.
inline Figures run(const Npk& npk, const std::string& profile, std::uint32_t prompt, std::uint32_t gen = 4) {
  ::setenv("NPU_SIM_PROFILE", profile.c_str(), 1);
  VDeviceParams params;
  params.device_ids = {"sim:0"};
  auto vdevice = must(VDevice::create(params), "VDevice::create");
  ::unsetenv("NPU_SIM_PROFILE");
  auto llm = must(genai::LLM::create(*vdevice, {.model_path = npk.path}), "LLM::create");
  EXPECT_TRUE(llm->start_device_profile());
  std::vector<genai::TokenId> tokens(prompt);
  for (std::uint32_t i = 0; i < prompt; ++i) tokens[i] = static_cast<genai::TokenId>((i * 7919u + 11u) % llm->info().vocab);
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = true;
  p.max_generated_tokens = gen;
  auto g = must(llm->generate(tokens, p), "generate");
  EXPECT_TRUE(g.read_all(std::chrono::minutes(5)));
  const auto s = g.stats();
  Figures f;
  auto secs = [](std::chrono::nanoseconds t) { return static_cast<double>(t.count()) * 1e-9; };
  f.load_s = secs(llm->info().load_device_time);
  f.ttft_s = secs(s.device_ttft);
  f.decode_tps = s.device_decode_tokens_per_s();
  f.decode_step_s = s.tbt_runs ? secs(s.device_decode) / s.tbt_runs : 0.0;
  f.energy_per_token_j = s.tbt_runs ? s.decode_energy_j / s.tbt_runs : 0.0;
  f.decode_power_w = f.decode_step_s > 0 ? f.energy_per_token_j / f.decode_step_s : 0.0;
  f.ddr_bytes_per_token = s.tbt_runs ? static_cast<double>(s.decode_ddr_bytes) / s.tbt_runs : 0.0;
  f.decode_memory_bound = s.decode_dma_cycles > s.decode_compute_cycles;
  f.prefill_power_w = f.ttft_s > 0 ? (s.device_energy_j - s.decode_energy_j) / f.ttft_s : 0.0;
  const auto data = must(llm->read_device_profile(), "profile records");
  for (const auto& [id, name] : llm->device_contexts()) {
    auto layers = npu::summarize_layers(data.records, id);
    if (name == "prefill") f.prefill_layers = std::move(layers);
    if (name == "tbt") f.decode_layers = std::move(layers);
  }
  return f;
}

}  // namespace npu::sim::testing
