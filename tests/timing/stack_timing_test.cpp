// The simulator's figures through the real stack (compiler -> runtime -> driver -> hal -> sim):
// deterministic cycle counts (functional and timing-only runs charge the same), energy and
// profiles reported per run, and an
// injected fault in the middle of an LLM session (device reset, the session recovers by itself).
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "npu/common/seconds.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/model_weights.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "npu/driver/profile_data.hpp"
#include "npu/genai/llm.hpp"
#include "npu/hal/sim_control.hpp"
#include "npu/runtime.hpp"

namespace {

using namespace npu;
namespace fs = std::filesystem;

// The value, or a test failure naming `what` and the error (then the test body stops).
template <class T>
T must(Expected<T> e, const char* what) {
  if (!e) {
    ADD_FAILURE() << what << ": " << e.error().what();
    throw std::runtime_error(what);
  }
  return std::move(*e);
}

// A Qwen2-shaped model small enough to compile in a moment, as a Hugging Face config.json.
constexpr const char* kSmallQwen = R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
  "hidden_size": 512, "intermediate_size": 1536, "num_hidden_layers": 4, "num_attention_heads": 8,
  "num_key_value_heads": 2, "max_position_embeddings": 4096, "rms_norm_eps": 1e-6,
  "rope_theta": 1000000.0, "tie_word_embeddings": true, "vocab_size": 4096})";

// A small LFM2-MoE (2 dense layers, then 8 experts of which 2 per token), as a config.json.
constexpr const char* kSmallLfm2Moe = R"({"architectures": ["Lfm2MoeForCausalLM"], "model_type": "lfm2_moe",
  "hidden_size": 256, "intermediate_size": 512, "moe_intermediate_size": 128, "num_hidden_layers": 4,
  "num_attention_heads": 4, "num_key_value_heads": 2, "num_dense_layers": 2, "num_experts": 8,
  "num_experts_per_tok": 2, "norm_topk_prob": true, "use_expert_bias": true, "conv_L_cache": 3,
  "norm_eps": 1e-05, "rope_theta": 1000000.0, "max_position_embeddings": 4096, "tie_word_embeddings": true,
  "vocab_size": 4096, "layer_types": ["conv", "full_attention", "conv", "full_attention"]})";

struct Npk {
  fs::path path;
  ~Npk() { fs::remove(path); }
};

// Compiles kSmallQwen (or another config.json): functional (synthetic weights) or timing-only (no weights section).
std::unique_ptr<Npk> compile(bool with_weights, std::uint32_t chunk = 32, const char* config_json = kSmallQwen) {
  auto config = must(compiler::model_config_from_hf_json(config_json), "config");
  auto weights = must(compiler::SyntheticWeightSource::create(config, 7), "weights");
  compiler::llm::LlmSource src{config, weights.get(), TokenizerData{}, "small-qwen2", true};
  const auto g = must(compiler::make_synthetic_tokenizer(config.vocab_size), "tokenizer");
  src.tokenizer.tokens = g.tokens;
  for (auto t : g.token_types) src.tokenizer.token_types.push_back(must(token_type_from_gguf(t), "token type"));
  src.tokenizer.merges = g.merges;
  src.tokenizer.bos_id = 1;
  src.tokenizer.eos_id = 2;
  compiler::llm::LlmCompileOptions o;
  o.policy = must(compiler::llm::builtin_policy("w4a8"), "policy");
  o.context_length = 512;
  o.prefill_chunk = chunk;
  o.calibration_tokens = with_weights ? 32 : 0;
  o.device = must(compiler::llm::load_device_memory("hailo10h"), "device memory");
  auto model = must(compiler::llm::compile_llm(src, o), "compile");
  if (!with_weights) model.weights.clear();
  auto npk = std::make_unique<Npk>();
  npk->path = fs::temp_directory_path() /
              fmt::format("npu_stack_{}_{}_{}.npk", ::getpid(), with_weights ? "f" : "t", chunk);
  EXPECT_TRUE(compiler::llm::write_llm_npk(model, npk->path));
  return npk;
}

// Cycles and DDR bytes of FixedWorkloadKeepsItsPinnedCycleCounts (hailo10h, timing-only kSmallQwen,
// 40-token prompt, 6 tokens generated). Last moved when attention began reading its whole compiled
// KV window every run (attention_static_kv_window): +13,602,816 bytes = (7 runs x 512 positions -
// the 263 the runs read before: 8 + 40 + 41..45) x 4,096 bytes per position (4 layers x K and V x 2
// KV heads x 64 x 4 bytes); the cycles also follow the efficiencies refitted with it. Then when the
// w4a8 policy's KV cache became int8 with a 4-byte scale per KV head (npu_abi/kv_cache.hpp):
// -10,916,032 bytes = (7 runs x 512 positions read + the 45 positions written: 40 + 5) x (4,096 -
// 1,088) bytes per position (4 layers x K and V x 2 KV heads x (64 + 4) bytes); the cycles also
// follow ddr_efficiency 0.501 -> 0.4574 and compute_efficiency 0.0676 -> 0.0681 refitted with it.
constexpr std::uint64_t kPinnedCycles = 11836422;
constexpr std::uint64_t kPinnedDdrBytes = 61500224;

struct Figures {
  double load_s = 0, ttft_s = 0, decode_tps = 0, energy_j = 0;
  std::uint64_t cycles = 0, ddr = 0;
  std::vector<genai::TokenId> tokens;
  std::vector<std::uint64_t> op_cycles;
  std::map<std::uint32_t, std::size_t> ops_per_layer;  // profile op records by layer
};

Figures generate(const fs::path& npk, bool timing_only, std::uint32_t prompt_tokens, bool profile = false) {
  Figures f;
  auto vdevice = must(VDevice::create(), "VDevice::create");
  auto llm = must(genai::LLM::create(*vdevice, {.model_path = npk}), "LLM::create");
  f.load_s = seconds(llm->info().load_device_time);
  if (profile) {
    EXPECT_TRUE(llm->start_device_profile());
  }
  std::vector<genai::TokenId> prompt(prompt_tokens);
  for (std::uint32_t i = 0; i < prompt_tokens; ++i) prompt[i] = static_cast<genai::TokenId>(1 + i * 37 % 4000);
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = timing_only;
  p.max_generated_tokens = 6;
  auto gen = must(llm->generate(prompt, p), "generate");
  while (true) {
    auto ev = gen.read(std::chrono::minutes(1));
    EXPECT_TRUE(ev) << ev.error().what();
    if (!ev || ev->kind == genai::OutputKind::kEnd) break;
    f.tokens.push_back(ev->token);
  }
  const auto s = gen.stats();
  f.ttft_s = seconds(s.device_ttft);
  f.decode_tps = s.device_decode_tokens_per_s();
  f.energy_j = s.device_energy_j;
  f.cycles = s.device_cycles;
  f.ddr = s.ddr_bytes;
  if (profile) {
    auto data = llm->read_device_profile();
    EXPECT_TRUE(data) << data.error().what();
    if (data) {
      for (const auto& r : data->records) {
        f.op_cycles.push_back(r.end_cycle - r.start_cycle);
        if (r.kind == npu::ProfileKind::kOp) ++f.ops_per_layer[r.layer];
      }
    }
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
  // Every op of the 4 layers is attributed to its layer (the compiler's layer tags); the
  // embedding, final norm, head and argmax belong to none. All layers have the same op count
  // (one program per token, same block type).
  ASSERT_EQ(a.ops_per_layer.size(), 5u);
  EXPECT_GT(a.ops_per_layer.at(npu::kNoLayer), 0u);
  for (std::uint32_t l = 0; l < 4; ++l) EXPECT_EQ(a.ops_per_layer.at(l), a.ops_per_layer.at(0)) << l;
  // Timing-only runs charge exactly what functional runs charge.
  const Figures t = generate(npk->path, true, 20);
  EXPECT_EQ(t.cycles, a.cycles);
}

// The routed experts: a functional run (values, real routes) charges exactly the cycles and DDR
// bytes of a timing-only run, which computes no routes (a kMoeLinear is charged min(E, n·k) experts'
// weights whichever the router picks).
TEST(StackTiming, MoeFunctionalAndTimingOnlyRunsChargeTheSameCycles) {
  const auto npk = compile(true, 32, kSmallLfm2Moe);
  const Figures functional = generate(npk->path, false, 20);
  const Figures timing = generate(npk->path, true, 20);
  EXPECT_GT(functional.cycles, 0u);
  EXPECT_EQ(functional.tokens.size(), 6u);
  EXPECT_EQ(timing.cycles, functional.cycles);
  EXPECT_EQ(timing.ddr, functional.ddr);
  EXPECT_EQ(timing.ttft_s, functional.ttft_s);
  EXPECT_EQ(timing.decode_tps, functional.decode_tps);
}

// The cycle counts of one fixed workload, pinned: a change that makes the simulator faster (or
// restructures it) must not move them. A deliberate change of the timing model updates these
// numbers in the same commit, saying why.
TEST(StackTiming, FixedWorkloadKeepsItsPinnedCycleCounts) {
  const auto npk = compile(false);
  const Figures t = generate(npk->path, true, 40);
  EXPECT_EQ(t.cycles, kPinnedCycles);
  EXPECT_EQ(t.ddr, kPinnedDdrBytes);
  EXPECT_EQ(t.tokens.size(), 6u);
  // The same with the profile recorder on (it must not charge anything either).
  const Figures p = generate(npk->path, true, 40, true);
  EXPECT_EQ(p.cycles, kPinnedCycles);
}

TEST(StackTiming, FaultInTheMiddleOfATimingOnlySessionIsRecovered) {
  const auto npk = compile(false);
  auto vdevice = must(VDevice::create(), "VDevice::create");
  auto llm = must(genai::LLM::create(*vdevice, {.model_path = npk->path}), "LLM::create");
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.timing_only = true;
  p.max_generated_tokens = 8;
  const std::vector<genai::TokenId> prompt{1, 2, 3};
  // Token values of every recoverable fault: tests/llm_runtime/llm_recovery_test.cpp. Here the
  // timing-only path: the runs are replayed timing-only and the modeled figures are unchanged.
  auto run = [&](const char* fault, std::uint32_t& recoveries) {
    EXPECT_TRUE(llm->clear_context());
    EXPECT_TRUE(hal::sim_control::set_faults("sim:0", fault));
    auto gen = must(llm->generate(prompt, p), "generate");
    recoveries = 0;
    while (true) {
      auto ev = gen.read(std::chrono::seconds(30));
      EXPECT_TRUE(ev) << ev.error().what();
      if (!ev || ev->kind == genai::OutputKind::kEnd) break;
      if (ev->kind == genai::OutputKind::kRecovery) ++recoveries;
    }
    return gen.stats();
  };
  std::uint32_t none = 0;
  const auto clean = run("", none);
  for (const char* fault : {"firmware_crash@run=3", "lost_interrupt@run=3", "dma_error@dma=4", "memory_error@run=2"}) {
    SCOPED_TRACE(fault);
    std::uint32_t recoveries = 0;
    const auto s = run(fault, recoveries);
    // A lost interrupt is noticed by polling, no reset; every other fault is one recovery.
    EXPECT_EQ(recoveries, std::string(fault).starts_with("lost_interrupt") ? 0u : 1u);
    EXPECT_EQ(s.recoveries, recoveries);
    EXPECT_EQ(s.generated_tokens, clean.generated_tokens);
    EXPECT_EQ(s.decode_cycles, clean.decode_cycles);
  }
}

}  // namespace
