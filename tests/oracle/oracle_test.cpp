// Tiny LFM2 models, written as GGUF with synthetic weights and a synthetic tokenizer, run through
// llama.cpp and through our fp32 reference: greedy tokens must be identical for 32 steps and
// logits within 1e-3 of the largest |logit| at every step.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <set>

#include "npu/compiler/gguf_model_export.hpp"
#include "npu/compiler/model_weight_sources.hpp"
#include "npu/compiler/reference_model.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "oracle_runner.hpp"
#include "oracle_shapes.hpp"

using namespace npu::compiler;
using namespace npu::oracle;

namespace {

struct Comparison {
  std::vector<std::int32_t> ours;
  double worst_relative = 0;  // max over steps of max|ours - theirs| / max|theirs|
  std::size_t worst_step = 0;
  std::size_t compared_steps = 0;
};

// Runs our reference greedily on the same prompt and compares every position llama.cpp reported.
Comparison compare(const ModelConfig& config, const WeightSource& weights, const std::vector<std::int32_t>& prompt,
                   const npu::oracle::OracleResult& theirs) {
  Comparison out;
  auto model = ReferenceModel::create(config, weights);
  EXPECT_TRUE(model) << model.error().what();
  if (!model) return out;
  std::vector<std::int32_t> inputs = prompt;
  for (std::size_t i = 0; i < theirs.logits.size(); ++i) {
    if (i >= inputs.size()) break;
    auto logits = model->forward(inputs[i]);
    EXPECT_TRUE(logits);
    if (!logits) return out;
    const auto& ref = theirs.logits[i];
    EXPECT_EQ(ref.size(), logits->size());
    double max_abs = 0, max_diff = 0;
    for (std::size_t v = 0; v < ref.size() && v < logits->size(); ++v) {
      max_abs = std::max(max_abs, static_cast<double>(std::fabs(ref[v])));
      max_diff = std::max(max_diff, static_cast<double>(std::fabs(ref[v] - (*logits)[v])));
    }
    const double rel = max_diff / std::max(max_abs, 1e-30);
    if (rel > out.worst_relative) {
      out.worst_relative = rel;
      out.worst_step = i;
    }
    ++out.compared_steps;
    if (i + 1 >= prompt.size()) {
      out.ours.push_back(argmax(*logits));
      inputs.push_back(out.ours.back());
    }
  }
  return out;
}

class OracleTest : public ::testing::TestWithParam<Shape> {};

std::filesystem::path temp_model(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("npu_oracle_" + std::to_string(::getpid()) + "_" + name + ".gguf");
}

}  // namespace

TEST_P(OracleTest, ReferenceMatchesLlamaCpp) {
  NPU_REQUIRE_ORACLE_OR_SKIP();
  const Shape& shape = GetParam();
  const ModelConfig config = config_for(shape);
  auto weights = SyntheticWeightSource::create(config, 17);
  ASSERT_TRUE(weights) << weights.error().what();
  auto tokenizer = make_synthetic_tokenizer(config.vocab_size);
  ASSERT_TRUE(tokenizer);
  const auto path = temp_model(shape.name);
  auto written = write_model_gguf(path, config, **weights, {.tokenizer = *tokenizer, .name = shape.name});
  ASSERT_TRUE(written) << written.error().what();

  const std::vector<std::int32_t> prompt{1, 40, 41, 100, 200, 319, 77};  // BOS first
  auto theirs = npu::oracle::run_oracle(path, config.vocab_size, prompt, kSteps);
  std::filesystem::remove(path);
  ASSERT_TRUE(theirs) << theirs.error().what();
  ASSERT_EQ(theirs->generated.size(), kSteps);
  ASSERT_EQ(theirs->logits.size(), prompt.size() + kSteps - 1);

  const Comparison c = compare(config, **weights, prompt, *theirs);
  EXPECT_EQ(c.ours, theirs->generated) << "greedy tokens differ from llama.cpp";
  EXPECT_EQ(c.compared_steps, theirs->logits.size());
  EXPECT_LE(c.worst_relative, kTolerance) << "worst step " << c.worst_step;
  std::set<std::int32_t> distinct(theirs->generated.begin(), theirs->generated.end());
  std::fprintf(stderr, "[oracle] %s: %zu positions, worst |diff|/max|logit| = %.2e at step %zu, %zu distinct tokens\n",
               shape.name, c.compared_steps, c.worst_relative, c.worst_step, distinct.size());
}

INSTANTIATE_TEST_SUITE_P(TinyLfm2, OracleTest, ::testing::ValuesIn(kShapes),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// The comparison is sharp: a reference with RoPE pairs (2i, 2i+1) instead of NeoX's (i, i+d/2)
// is caught. This keeps the oracle test from passing vacuously.
TEST(OracleSensitivity, WrongRopeStyleIsCaught) {
  NPU_REQUIRE_ORACLE_OR_SKIP();
  const ModelConfig config = config_for(kShapes[1]);
  auto weights = SyntheticWeightSource::create(config, 17);
  ASSERT_TRUE(weights);
  auto tokenizer = make_synthetic_tokenizer(config.vocab_size);
  const auto path = temp_model("sensitivity");
  ASSERT_TRUE(write_model_gguf(path, config, **weights, {.tokenizer = *tokenizer}));
  const std::vector<std::int32_t> prompt{1, 40, 41, 100, 200, 319, 77};
  auto theirs = npu::oracle::run_oracle(path, config.vocab_size, prompt, 8);
  std::filesystem::remove(path);
  ASSERT_TRUE(theirs) << theirs.error().what();
  ModelConfig wrong = config;
  wrong.rope_neox = false;
  const Comparison c = compare(wrong, **weights, prompt, *theirs);
  EXPECT_GT(c.worst_relative, 100 * kTolerance);
}

// Our GGUF writer's quantized matrices (Q8_0, Q4_0, F16) are read by llama.cpp as we read them.
// llama.cpp's CPU matmuls quantize activations to the weight's companion type (q8_0 / f16), so
// the bound is looser than for F32 (measured: F16 ~1e-3, Q8_0 ~3e-2 and Q4_0 ~6e-2 of the largest logit);
// a wrong block layout scrambles weights and misses it by an order of magnitude.
TEST(OracleQuantized, WriterBlocksMatchLlamaCpp) {
  NPU_REQUIRE_ORACLE_OR_SKIP();
  const ModelConfig config = config_for(kShapes[1]);
  auto weights = SyntheticWeightSource::create(config, 23);
  ASSERT_TRUE(weights);
  auto tokenizer = make_synthetic_tokenizer(config.vocab_size);
  const std::vector<std::int32_t> prompt{1, 40, 41, 100, 200, 319, 77};
  for (auto [type, tolerance] : {std::pair{GgmlType::kF16, 1e-2}, std::pair{GgmlType::kQ8_0, 0.1},
                                 std::pair{GgmlType::kQ4_0, 0.15}}) {
    const auto path = temp_model("quantized_" + ggml_type_name(type));
    ASSERT_TRUE(write_model_gguf(path, config, **weights, {.matrix_type = type, .tokenizer = *tokenizer}));
    auto theirs = npu::oracle::run_oracle(path, config.vocab_size, prompt, 1);
    // Our reference reads the same file, so it sees exactly the quantized weights.
    auto ours = GgufWeightSource::open(path);
    ASSERT_TRUE(ours) << ours.error().what();
    const Comparison c = compare(config, **ours, prompt, *theirs);
    std::filesystem::remove(path);
    ASSERT_TRUE(theirs) << theirs.error().what();
    EXPECT_EQ(c.compared_steps, prompt.size());
    EXPECT_LE(c.worst_relative, tolerance) << ggml_type_name(type);
    std::fprintf(stderr, "[oracle] %s weights: worst |diff|/max|logit| = %.2e\n", ggml_type_name(type).c_str(),
                 c.worst_relative);
  }
}
