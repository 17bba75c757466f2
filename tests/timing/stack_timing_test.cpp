// The simulator's figures through the real stack (compiler -> runtime -> driver -> hal -> sim):
// deterministic cycle counts, agreement of a compiled program's modeled load / TTFT / decode with
// the analytic workload model of the same shapes, energy and profiles reported per run, and an
// injected fault in the middle of an LLM session (clear error, device reset, the session resumes).
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>

#include <fmt/format.h>

#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/model_weights.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "npu/driver/profile_data.hpp"
#include "npu/genai/llm.hpp"
#include "npu/hal/sim_control.hpp"
#include "npu/runtime.hpp"
#include "npu/sim/workload_model.hpp"

namespace {

using namespace npu;
namespace fs = std::filesystem;

double secs(std::chrono::nanoseconds t) { return static_cast<double>(t.count()) * 1e-9; }

// A Qwen2-shaped model small enough to compile in a moment, as a Hugging Face config.json.
constexpr const char* kSmallQwen = R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
  "hidden_size": 512, "intermediate_size": 1536, "num_hidden_layers": 4, "num_attention_heads": 8,
  "num_key_value_heads": 2, "max_position_embeddings": 4096, "rms_norm_eps": 1e-6,
  "rope_theta": 1000000.0, "tie_word_embeddings": true, "vocab_size": 4096})";

struct Npk {
  fs::path path;
  ~Npk() { fs::remove(path); }
};

// Compiles kSmallQwen: functional (synthetic weights) or timing-only (no weights section).
std::unique_ptr<Npk> compile(bool with_weights, std::uint32_t chunk = 32) {
  auto config = compiler::model_config_from_hf_json(kSmallQwen).value();
  auto weights = compiler::SyntheticWeightSource::create(config, 7).value();
  compiler::llm::LlmSource src{config, weights.get(), TokenizerData{}, "small-qwen2", true};
  compiler::llm::LlmCompileOptions o;
  o.policy = compiler::llm::builtin_policy("w4a8").value();
  o.context_length = 512;
  o.prefill_chunk = chunk;
  o.calibration_tokens = with_weights ? 32 : 0;
  o.device = compiler::llm::load_device_memory("hailo10h").value();
  auto model = compiler::llm::compile_llm(src, o).value();
  if (!with_weights) model.weights.clear();
  auto npk = std::make_unique<Npk>();
  npk->path = fs::temp_directory_path() /
              fmt::format("npu_stack_{}_{}_{}.npk", ::getpid(), with_weights ? "f" : "t", chunk);
  EXPECT_TRUE(compiler::llm::write_llm_npk(model, npk->path));
  return npk;
}

struct Figures {
  double load_s = 0, ttft_s = 0, decode_tps = 0, energy_j = 0;
  std::uint64_t cycles = 0, ddr = 0;
  std::vector<genai::TokenId> tokens;
  std::vector<std::uint64_t> op_cycles;
};

Figures generate(const fs::path& npk, bool timing_only, std::uint32_t prompt_tokens, bool profile = false) {
  Figures f;
  auto vdevice = VDevice::create().value();
  auto llm = genai::LLM::create(*vdevice, {.model_path = npk}).value();
  f.load_s = secs(llm->info().load_device_time);
  if (profile) EXPECT_TRUE(llm->start_device_profile());
  std::vector<genai::TokenId> prompt(prompt_tokens);
  for (std::uint32_t i = 0; i < prompt_tokens; ++i) prompt[i] = static_cast<genai::TokenId>(1 + i * 37 % 4000);
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = timing_only;
  p.max_generated_tokens = 6;
  auto gen = llm->generate(prompt, p).value();
  while (true) {
    auto ev = gen.read(std::chrono::minutes(1));
    EXPECT_TRUE(ev) << ev.error().what();
    if (!ev || ev->kind == genai::OutputKind::kEnd) break;
    f.tokens.push_back(ev->token);
  }
  const auto s = gen.stats();
  f.ttft_s = secs(s.device_ttft);
  f.decode_tps = s.device_decode_tokens_per_s();
  f.energy_j = s.device_energy_j;
  f.cycles = s.device_cycles;
  f.ddr = s.ddr_bytes;
  if (profile) {
    auto data = llm->read_device_profile();
    EXPECT_TRUE(data) << data.error().what();
    if (data)
      for (const auto& r : data->records) f.op_cycles.push_back(r.end_cycle - r.start_cycle);
  }
  return f;
}

TEST(StackTiming, SameRunGivesIdenticalCycleCounts) {
  const auto npk = compile(true);
  const Figures a = generate(npk->path, false, 20, true);
  const Figures b = generate(npk->path, false, 20, true);
  EXPECT_GT(a.cycles, 0u);
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(a.ttft_s, b.ttft_s);
  EXPECT_EQ(a.decode_tps, b.decode_tps);
  EXPECT_EQ(a.load_s, b.load_s);
  EXPECT_EQ(a.energy_j, b.energy_j);
  EXPECT_EQ(a.ddr, b.ddr);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_FALSE(a.op_cycles.empty());
  EXPECT_EQ(a.op_cycles, b.op_cycles);
  // Timing-only runs charge exactly what functional runs charge.
  const Figures t = generate(npk->path, true, 20);
  EXPECT_EQ(t.cycles, a.cycles);
}

TEST(StackTiming, CompiledProgramAgreesWithTheAnalyticModel) {
  const auto npk = compile(false, 32);
  const Figures got = generate(npk->path, true, 32);
  const auto profile = sim::DeviceProfile::load("hailo10h").value();
  const auto shape = sim::parse_hf_config(kSmallQwen, "small-qwen2").value();
  auto policy = sim::PrecisionPolicy::named("w4a8").value();
  policy.group_size = 0;  // the compiler's w4a8: one scale per output row
  sim::WorkloadOptions o;
  o.context_length = 512;
  o.prefill_chunk = 32;
  const auto want = sim::estimate_workload(profile, shape, policy, o).value();
  fmt::print("stack: load {:.4f} s TTFT {:.5f} s decode {:.1f} tok/s; analytic: {:.4f} / {:.5f} / {:.1f}\n",
             got.load_s, got.ttft_s, got.decode_tps, want.load_s, want.ttft_s, want.decode_tokens_per_s);
  EXPECT_NEAR(got.load_s, want.load_s, 0.15 * want.load_s);
  EXPECT_NEAR(got.ttft_s, want.ttft_s, 0.25 * want.ttft_s);
  EXPECT_NEAR(got.decode_tps, want.decode_tokens_per_s, 0.25 * want.decode_tokens_per_s);
  EXPECT_GT(got.energy_j, 0.0);
}

TEST(StackTiming, FaultInTheMiddleOfASessionIsReportedAndTheSessionResumes) {
  const auto npk = compile(false);
  auto vdevice = VDevice::create().value();
  auto llm = genai::LLM::create(*vdevice, {.model_path = npk->path}).value();
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = true;
  p.max_generated_tokens = 8;
  const std::vector<genai::TokenId> prompt{1, 2, 3};
  for (const char* fault : {"firmware_crash@run=3", "firmware_hang@run=3", "lost_interrupt@run=3", "dma_error@dma=4"}) {
    SCOPED_TRACE(fault);
    ASSERT_TRUE(llm->clear_context());
    ASSERT_TRUE(hal::sim_control::set_faults("sim:0", fault));
    auto gen = llm->generate(prompt, p);
    bool failed = !gen;
    std::string message = gen ? "" : gen.error().what();
    while (gen) {
      auto ev = gen->read(std::chrono::seconds(30));
      if (!ev) {
        failed = true;
        message = ev.error().what();
        break;
      }
      if (ev->kind == genai::OutputKind::kEnd) break;
    }
    // A lost interrupt is recovered by polling; every other fault fails the generation clearly.
    if (std::string(fault).starts_with("lost_interrupt")) {
      EXPECT_FALSE(failed) << message;
    } else {
      EXPECT_TRUE(failed);
      EXPECT_NE(message.find("reset"), std::string::npos) << message;
    }
    // The device was reset and re-booted: the next generation works (weights written again).
    ASSERT_TRUE(llm->clear_context());
    auto again = llm->generate(prompt, p);
    ASSERT_TRUE(again) << again.error().what();
    auto text = again->read_all(std::chrono::seconds(30));
    EXPECT_TRUE(text) << text.error().what();
  }
}

}  // namespace
