// The fp32 policy against llama.cpp THROUGH THE WHOLE STACK: each tiny model is written as GGUF,
// run by llama.cpp, and compiled from that same GGUF file (`npu compile --policy fp32` in library
// form) into an .npk that genai::LLM runs on the simulator (runtime -> driver -> hal -> firmware ->
// simulated device). Greedy tokens must be identical for 32 steps and the logits within 1e-3 of
// the largest |logit| at every position: each prompt position (one-row prefill runs), the end of a
// chunked prompt (a partial chunk, then a full one), and every TBT step.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "npu/compiler/gguf_model_export.hpp"
#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/sqnr.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "oracle_runner.hpp"
#include "oracle_shapes.hpp"
#include "quantized_floors.hpp"

using namespace npu;
using namespace npu::oracle;

namespace {

constexpr std::uint32_t kChunk = 4;  // the 7-token prompt runs as 3 + 4 rows

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("npu_oracle_stack_" + std::to_string(::getpid()) + "_" + name);
}

// max |ours - theirs| / max |theirs|.
double relative_error(std::span<const float> ours, const std::vector<float>& theirs) {
  EXPECT_EQ(ours.size(), theirs.size());
  double max_abs = 0, max_diff = 0;
  for (std::size_t v = 0; v < theirs.size() && v < ours.size(); ++v) {
    max_abs = std::max(max_abs, static_cast<double>(std::fabs(theirs[v])));
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(theirs[v] - ours[v])));
  }
  return max_diff / std::max(max_abs, 1e-30);
}

std::int32_t argmax_of(std::span<const float> v) {
  return static_cast<std::int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// `npu compile IN.gguf --policy POLICY --context 64 --prefill-chunk 4 -o OUT.npk`, as a library call.
Expected<void> compile_policy(const std::filesystem::path& gguf, const std::filesystem::path& npk,
                              const std::string& policy, std::uint32_t calibration_tokens) {
  NPU_TRY_ASSIGN(auto loaded, compiler::llm::load_llm_model(gguf));
  compiler::llm::LlmCompileOptions options;
  NPU_TRY_ASSIGN(options.policy, compiler::llm::builtin_policy(policy));
  options.context_length = 64;
  options.prefill_chunk = kChunk;
  options.calibration_tokens = calibration_tokens;
  NPU_TRY_ASSIGN(options.device, compiler::llm::load_device_memory("hailo10h"));
  NPU_TRY_ASSIGN(auto compiled, compiler::llm::compile_llm(loaded.source, options));
  return compiler::llm::write_llm_npk(compiled, npk);
}

Expected<void> compile_fp32(const std::filesystem::path& gguf, const std::filesystem::path& npk) {
  return compile_policy(gguf, npk, "fp32", 16);
}

struct Worst {
  double error = 0;
  std::string where;
  void note(double e, std::string at) {
    if (e > error) {
      error = e;
      where = std::move(at);
    }
  }
};

// Compiles `gguf` with the fp32 policy, runs the prompt one row at a time on the simulator and
// through llama.cpp (both from the same file; both files are removed), and gives the worst
// relative error over the prompt positions; the greedy pick at the end must agree.
Worst fp32_prompt_against_llama_cpp(const std::filesystem::path& gguf, const std::filesystem::path& npk,
                                    std::uint32_t vocab) {
  Worst worst;
  const std::vector<std::int32_t> prompt{1, 40, 41, 100, 200, 319, 77};
  auto theirs = run_oracle(gguf, vocab, prompt, 4);
  auto compiled = compile_fp32(gguf, npk);
  std::filesystem::remove(gguf);
  EXPECT_TRUE(theirs) << theirs.error().what();
  EXPECT_TRUE(compiled) << compiled.error().what();
  if (!theirs || !compiled) return {1.0, "setup"};
  auto vdevice = VDevice::create();
  EXPECT_TRUE(vdevice) << vdevice.error().what();
  if (!vdevice) return {1.0, "setup"};
  auto llm = genai::LLM::create(**vdevice, {.model_path = npk});
  EXPECT_TRUE(llm) << llm.error().what();
  if (!llm) return {1.0, "setup"};
  auto session = (*llm)->create_session();
  EXPECT_TRUE(session) << session.error().what();
  if (!session) return {1.0, "setup"};
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    EXPECT_TRUE((*session)->prefill(std::span(prompt).subspan(i, 1)));
    worst.note(relative_error((*session)->logits(), theirs->logits[i]), fmt::format("prompt position {}", i));
    if (i + 1 == prompt.size()) {
      EXPECT_EQ(argmax_of((*session)->logits()), theirs->generated[0]);
    }
  }
  std::filesystem::remove(npk);
  return worst;
}

class OracleStackTest : public ::testing::TestWithParam<Shape> {};

}  // namespace

TEST_P(OracleStackTest, Fp32PolicyOnTheSimulatorMatchesLlamaCpp) {
  NPU_REQUIRE_ORACLE_OR_SKIP();
  const Shape& shape = GetParam();
  const compiler::ModelConfig config = config_for(shape);
  auto weights = compiler::SyntheticWeightSource::create(config, 17);
  ASSERT_TRUE(weights) << weights.error().what();
  auto tokenizer = compiler::make_synthetic_tokenizer(config.vocab_size);
  ASSERT_TRUE(tokenizer);
  const auto gguf = temp_file(std::string(shape.name) + ".gguf");
  const auto npk = temp_file(std::string(shape.name) + ".npk");
  auto written = compiler::write_model_gguf(gguf, config, **weights, {.tokenizer = *tokenizer, .name = shape.name});
  ASSERT_TRUE(written) << written.error().what();

  const std::vector<std::int32_t> prompt{1, 40, 41, 100, 200, 319, 77};  // BOS first
  auto theirs = run_oracle(gguf, config.vocab_size, prompt, kSteps);
  auto compiled = compile_fp32(gguf, npk);
  std::filesystem::remove(gguf);
  ASSERT_TRUE(theirs) << theirs.error().what();
  ASSERT_TRUE(compiled) << compiled.error().what();
  ASSERT_EQ(theirs->generated.size(), kSteps);
  ASSERT_EQ(theirs->logits.size(), prompt.size() + kSteps - 1);

  auto vdevice = VDevice::create();
  ASSERT_TRUE(vdevice) << vdevice.error().what();
  auto llm = genai::LLM::create(**vdevice, {.model_path = npk});
  ASSERT_TRUE(llm) << llm.error().what();
  Worst worst;

  // Every prompt position, one single-row prefill run each.
  {
    auto by_position = (*llm)->create_session();
    ASSERT_TRUE(by_position) << by_position.error().what();
    for (std::size_t i = 0; i < prompt.size(); ++i) {
      ASSERT_TRUE((*by_position)->prefill(std::span(prompt).subspan(i, 1)));
      worst.note(relative_error((*by_position)->logits(), theirs->logits[i]), fmt::format("prompt position {}", i));
    }
  }

  // The prompt as chunks (3 + 4), then 31 TBT steps fed with our own greedy tokens.
  ASSERT_TRUE((*llm)->prefill(prompt, genai::PrefillMode::kChunked));
  std::vector<std::int32_t> ours;
  for (std::uint32_t step = 0; step < kSteps; ++step) {
    const std::size_t position = prompt.size() - 1 + step;
    worst.note(relative_error((*llm)->logits(), theirs->logits[position]), fmt::format("generation step {}", step));
    ours.push_back(argmax_of((*llm)->logits()));
    if (step + 1 < kSteps) {
      const std::int32_t next = ours.back();
      ASSERT_TRUE((*llm)->prefill(std::span(&next, 1), genai::PrefillMode::kTokenByToken));
    }
  }
  EXPECT_EQ(ours, theirs->generated) << "greedy tokens (from the simulator's logits) differ from llama.cpp";
  EXPECT_LE(worst.error, kTolerance) << "worst at " << worst.where;

  // generate() itself (device-side greedy choice, the runtime's chunk plan) gives the same tokens.
  auto fresh = (*llm)->create_session();
  ASSERT_TRUE(fresh) << fresh.error().what();
  genai::GeneratorParams greedy;
  greedy.greedy = true;
  greedy.ignore_end_tokens = true;
  greedy.max_generated_tokens = kSteps;
  auto gen = (*fresh)->generate(prompt, greedy);
  ASSERT_TRUE(gen) << gen.error().what();
  std::vector<std::int32_t> generated;
  while (true) {
    auto out = gen->read(std::chrono::seconds(60));
    ASSERT_TRUE(out) << out.error().what();
    if (out->kind == genai::OutputKind::kEnd) break;
    if (out->token >= 0) generated.push_back(out->token);
  }
  EXPECT_EQ(generated, theirs->generated) << "genai::LLM::generate differs from llama.cpp";

  std::filesystem::remove(npk);
  const std::set<std::int32_t> distinct(theirs->generated.begin(), theirs->generated.end());
  std::fprintf(stderr, "[oracle-stack] %s: %zu positions, worst |diff|/max|logit| = %.2e at %s, %zu distinct tokens\n",
               shape.name, theirs->logits.size(), worst.error, worst.where.c_str(), distinct.size());
}

INSTANTIATE_TEST_SUITE_P(TinyModels, OracleStackTest, ::testing::ValuesIn(kShapes),
                         [](const auto& param_info) { return std::string(param_info.param.name); });
// LFM2-MoE: the routed experts (kMoeRoute, kMoeLinear) with values on the simulator.
INSTANTIATE_TEST_SUITE_P(TinyMoeModels, OracleStackTest, ::testing::ValuesIn(kMoeShapes),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// LFM2-MoE under the quantized policies, against llama.cpp's fp32 logits through the whole stack:
// the same GGUF compiled with w8a8, default and w4a8 runs the prompt as chunks, then TBT steps
// teacher-forced with llama.cpp's greedy tokens; the logits SQNR over every position compared keeps
// the floor quantized_floors.hpp documents (kMoePolicyFloors), and w8a8 ranks above w4a8.
TEST(OracleStackQuantizedMoe, QuantizedPoliciesKeepTheirSqnrAgainstLlamaCpp) {
  NPU_REQUIRE_ORACLE_OR_SKIP();
  for (const Shape& shape : kMoeShapes) {
    const compiler::ModelConfig config = config_for(shape);
    auto weights = compiler::SyntheticWeightSource::create(config, 23);
    ASSERT_TRUE(weights) << weights.error().what();
    auto tokenizer = compiler::make_synthetic_tokenizer(config.vocab_size);
    ASSERT_TRUE(tokenizer);
    const auto gguf = temp_file(std::string(shape.name) + "_q.gguf");
    ASSERT_TRUE(compiler::write_model_gguf(gguf, config, **weights, {.tokenizer = *tokenizer, .name = shape.name}));
    const std::vector<std::int32_t> prompt{1, 40, 41, 100, 200, 319, 77};
    auto theirs = run_oracle(gguf, config.vocab_size, prompt, 16);
    ASSERT_TRUE(theirs) << theirs.error().what();
    std::map<std::string, double> db;
    for (const auto& floor : compiler::llm::testing::kMoePolicyFloors) {
      SCOPED_TRACE(fmt::format("{} {}", shape.name, floor.policy));
      const auto npk = temp_file(fmt::format("{}_{}.npk", shape.name, floor.policy));
      auto compiled = compile_policy(gguf, npk, floor.policy, 48);
      ASSERT_TRUE(compiled) << compiled.error().what();
      auto vdevice = VDevice::create();
      ASSERT_TRUE(vdevice) << vdevice.error().what();
      auto llm = genai::LLM::create(**vdevice, {.model_path = npk});
      ASSERT_TRUE(llm) << llm.error().what();
      compiler::Sqnr sqnr;
      ASSERT_TRUE((*llm)->prefill(prompt, genai::PrefillMode::kChunked));
      for (std::size_t step = 0; step < theirs->generated.size(); ++step) {
        sqnr.add(theirs->logits[prompt.size() - 1 + step], (*llm)->logits());
        if (step + 1 == theirs->generated.size()) break;
        const std::int32_t next = theirs->generated[step];
        ASSERT_TRUE((*llm)->prefill(std::span(&next, 1), genai::PrefillMode::kTokenByToken));
      }
      std::filesystem::remove(npk);
      db[floor.policy] = sqnr.db();
      EXPECT_GE(sqnr.db(), floor.stack_db);
      std::fprintf(stderr, "[oracle-stack] %s %s: logits SQNR %.1f dB against llama.cpp\n", shape.name, floor.policy,
                   sqnr.db());
    }
    std::filesystem::remove(gguf);
    EXPECT_GT(db["w8a8"], db["w4a8"] + compiler::llm::testing::kMoeW8OverW4Db);
  }
}

// A GGUF mixed the way llama-quantize mixes a Q4_K_M file — K-quants for whole 256-blocks,
// Q6_K for the head, the 32-block fallbacks where a row is not whole super-blocks — and every
// other type a real file may hold, through the whole stack: llama.cpp and npustack run the same
// file. llama.cpp quantizes its matmul activations (q8_K / q8_0 / q8_1), so the bound is that of
// OracleQuantized.EveryGgufTypeMatchesLlamaCpp; greedy tokens over the prompt positions agree.
TEST(OracleStackQuantized, LlamaQuantizeMixRunsAsInLlamaCpp) {
  NPU_REQUIRE_ORACLE_OR_SKIP();
  using compiler::GgmlType;
  // FFN 320: ffn_down rows (320 long) are not whole 256-blocks, so its Q6_K falls back to Q8_0;
  // every other matrix has 256-long rows and keeps its type.
  const compiler::ModelConfig config = config_for({"q4_k_m_mix", 256, 4, 2, 320, "cac", false, 1e6});
  auto weights = compiler::SyntheticWeightSource::create(config, 29);
  ASSERT_TRUE(weights) << weights.error().what();
  auto tokenizer = compiler::make_synthetic_tokenizer(config.vocab_size);
  ASSERT_TRUE(tokenizer);
  const auto gguf = temp_file("q4_k_m_mix.gguf");
  const auto npk = temp_file("q4_k_m_mix.npk");
  compiler::GgufExportOptions options{.matrix_type = GgmlType::kQ4_K, .tokenizer = *tokenizer, .name = "q4_k_m_mix"};
  options.type_by_suffix = {{"output.weight", GgmlType::kQ6_K},  {"attn_v.weight", GgmlType::kQ6_K},
                            {"ffn_down.weight", GgmlType::kQ6_K}, {"ffn_up.weight", GgmlType::kQ5_K},
                            {"attn_output.weight", GgmlType::kQ5_0}, {"attn_k.weight", GgmlType::kQ5_1},
                            {"shortconv.out_proj.weight", GgmlType::kQ4_1}, {"token_embd.weight", GgmlType::kQ8_0},
                            {"blk.2.shortconv.in_proj.weight", GgmlType::kQ4_0}, {"blk.0.ffn_gate.weight", GgmlType::kBF16},
                            {"blk.2.ffn_gate.weight", GgmlType::kF16}};
  ASSERT_TRUE(compiler::write_model_gguf(gguf, config, **weights, options));
  {
    auto file = compiler::GgufFile::open(gguf);
    ASSERT_TRUE(file) << file.error().what();
    std::set<std::string> types;
    for (const auto& t : file->tensors()) types.insert(compiler::ggml_type_name(t.type));
    EXPECT_EQ(types, (std::set<std::string>{"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K",
                                            "Q5_K", "Q6_K"}));
    EXPECT_EQ(file->find_tensor("blk.0.ffn_down.weight")->type, GgmlType::kQ8_0);  // llama-quantize's fallback
  }
  const Worst worst = fp32_prompt_against_llama_cpp(gguf, npk, config.vocab_size);
  EXPECT_LE(worst.error, 0.08) << "worst at " << worst.where;
  std::fprintf(stderr, "[oracle-stack] Q4_K_M-like mix: worst |diff|/max|logit| = %.2e at %s\n", worst.error,
               worst.where.c_str());
}

// LFM2-MoE from a GGUF mixed as llama-quantize mixes a Q4_K_M file, through the whole stack: the
// stacked 3-D expert tensors in K-quants (gate Q4_K, up Q5_K) and the experts' down projection in
// Q6_K falling back to Q8_0 (expert width 320 is not whole 256-blocks), the router F32. Every token
// uses all experts, so llama.cpp's quantized activations cannot flip a pick (see
// OracleQuantized.MoeExpertTensorsInEveryGgufTypeMatchLlamaCpp); the bound is the dense mix's.
TEST(OracleStackQuantizedMoe, LlamaQuantizeMixRunsAsInLlamaCpp) {
  NPU_REQUIRE_ORACLE_OR_SKIP();
  using compiler::GgmlType;
  const compiler::ModelConfig config = config_for(
      {"q4_k_m_moe", 256, 4, 2, 512, "cac", false, 1e6, compiler::Architecture::kLfm2Moe, "none", 0, 4, 4, 320, 1});
  auto weights = compiler::SyntheticWeightSource::create(config, 29);
  ASSERT_TRUE(weights) << weights.error().what();
  auto tokenizer = compiler::make_synthetic_tokenizer(config.vocab_size);
  ASSERT_TRUE(tokenizer);
  const auto gguf = temp_file("q4_k_m_moe.gguf");
  const auto npk = temp_file("q4_k_m_moe.npk");
  compiler::GgufExportOptions options{.matrix_type = GgmlType::kQ4_K, .tokenizer = *tokenizer, .name = "q4_k_m_moe"};
  options.type_by_suffix = {{"output.weight", GgmlType::kQ6_K},
                            {"attn_v.weight", GgmlType::kQ6_K},
                            {"ffn_down.weight", GgmlType::kQ6_K},
                            {"ffn_down_exps.weight", GgmlType::kQ6_K},
                            {"ffn_up_exps.weight", GgmlType::kQ5_K}};
  ASSERT_TRUE(compiler::write_model_gguf(gguf, config, **weights, options));
  {
    auto file = compiler::GgufFile::open(gguf);
    ASSERT_TRUE(file) << file.error().what();
    for (int layer : {1, 2}) {
      auto type_of = [&](const char* what) { return file->find_tensor(fmt::format("blk.{}.{}", layer, what))->type; };
      EXPECT_EQ(type_of("ffn_gate_exps.weight"), GgmlType::kQ4_K);
      EXPECT_EQ(type_of("ffn_up_exps.weight"), GgmlType::kQ5_K);
      EXPECT_EQ(type_of("ffn_down_exps.weight"), GgmlType::kQ8_0);  // llama-quantize's fallback
      EXPECT_EQ(type_of("ffn_gate_inp.weight"), GgmlType::kF32);
    }
  }
  const Worst worst = fp32_prompt_against_llama_cpp(gguf, npk, config.vocab_size);
  EXPECT_LE(worst.error, 0.08) << "worst at " << worst.where;
  std::fprintf(stderr, "[oracle-stack] LFM2-MoE Q4_K_M-like mix: worst |diff|/max|logit| = %.2e at %s\n", worst.error,
               worst.where.c_str());
}
