// The fp32-policy programs, run on the emulation, against the fp32 reference forward pass
// (ReferenceModel): a full prefill chunk, a partial chunk, then TBT steps; logits within 1e-4 of
// the largest logit at every checked position, for LFM2 (GQA 1/2/4, tied/untied), Qwen2 (biases)
// and Llama (interleaved RoPE, handled by permuting q/k rows).
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "llm_test_util.hpp"
#include "npu/compiler/llm_emulation.hpp"
#include "npu/compiler/reference_model.hpp"

namespace npu::compiler::llm {
namespace {

double max_rel_diff(std::span<const float> got, std::span<const float> want) {
  double scale = 0, diff = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
    diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - want[i]));
  }
  return diff / std::max(scale, 1e-30);
}

struct Case {
  const char* name;
  ModelConfig config;
};

class Fp32Emulation : public ::testing::TestWithParam<int> {};

std::vector<Case> cases() {
  return {
      {"lfm2_ccac_gqa2", testing::tiny_lfm2("ccac", 2)},
      {"lfm2_acca_gqa1_untied", testing::tiny_lfm2("acca", 4, false)},
      {"lfm2_cac_gqa4", testing::tiny_lfm2("cac", 1)},
      {"qwen2_bias", testing::tiny_attention_model(Architecture::kQwen2, 2, 2)},
      {"llama_interleaved", testing::tiny_attention_model(Architecture::kLlama, 2, 1)},
      {"llama3_rope_scaled", testing::tiny_llama3(2, 2)},
      {"qwen3_wide_heads", testing::tiny_qwen3(2, 2)},
  };
}

TEST_P(Fp32Emulation, MatchesReferenceThroughPartialChunkAndTbt) {
  const Case c = cases()[static_cast<std::size_t>(GetParam())];
  SCOPED_TRACE(c.name);
  auto model = testing::make_tiny(c.config, 7);
  auto o = testing::tiny_options("fp32", 8, 256);
  o.calibration_tokens = 12;
  const CompiledLlm m = testing::compile_tiny(model, o);
  ASSERT_FALSE(m.prefill_ops.empty());
  auto ref = ReferenceModel::create(c.config, *model.weights);
  ASSERT_TRUE(ref) << ref.error().what();
  auto emu = LlmEmulation::create(m);
  ASSERT_TRUE(emu);

  const std::vector<std::int32_t> prompt = {1, 40, 299, 77, 8, 150, 3, 222, 64, 90, 11};  // 8 + 3
  std::vector<float> want;
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    auto r = ref->forward(prompt[i]);
    ASSERT_TRUE(r);
    want.assign(r->begin(), r->end());
    if (i == 7) {  // end of the full chunk
      auto got = emu->prefill(std::span(prompt).first(8));
      ASSERT_TRUE(got) << got.error().what();
      EXPECT_LT(max_rel_diff(*got, want), 1e-4) << "full chunk";
      EXPECT_EQ(emu->next_token(), argmax(want));
    }
  }
  auto got = emu->prefill(std::span(prompt).subspan(8));  // partial chunk: 3 valid rows
  ASSERT_TRUE(got) << got.error().what();
  EXPECT_LT(max_rel_diff(*got, want), 1e-4) << "partial chunk";
  std::int32_t next = argmax(want);
  for (int step = 0; step < 6; ++step) {
    auto r = ref->forward(next);
    ASSERT_TRUE(r);
    auto g = emu->step(next);
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_LT(max_rel_diff(*g, *r), 1e-4) << "tbt step " << step;
    EXPECT_EQ(emu->next_token(), argmax(*g));
    next = argmax(*r);
  }
  // The calibration's layer-major fp32 trace is the same reference: SQNR of the fp32 programs is high.
  EXPECT_EQ(m.calibration.tokens, 12u);
  EXPECT_GT(m.calibration.logits_sqnr_db, 80.0);
  EXPECT_EQ(m.calibration.top1_agreement, 1.0);
}

INSTANTIATE_TEST_SUITE_P(Models, Fp32Emulation, ::testing::Range(0, 7));

TEST(Fp32Emulation, PrefillAndTbtGiveBitIdenticalLogits) {
  auto model = testing::make_tiny(testing::tiny_lfm2("cac", 2), 3);
  auto o = testing::tiny_options("default", 8, 256);
  o.calibration_tokens = 32;
  const CompiledLlm m = testing::compile_tiny(model, o);
  auto a = LlmEmulation::create(m);
  auto b = LlmEmulation::create(m);
  ASSERT_TRUE(a && b);
  const std::vector<std::int32_t> tokens = {1, 5, 9, 200, 31, 18};
  auto chunk = a->prefill(tokens);
  ASSERT_TRUE(chunk);
  std::vector<float> from_prefill(chunk->begin(), chunk->end());
  std::vector<float> from_tbt;
  for (std::int32_t t : tokens) {
    auto s = b->step(t);
    ASSERT_TRUE(s);
    from_tbt.assign(s->begin(), s->end());
  }
  EXPECT_EQ(from_prefill, from_tbt);
}

TEST(Fp32Emulation, RunBeyondTheCompiledContextIsRefused) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ca"));
  auto o = testing::tiny_options("fp32", 64, 64);
  o.calibration_tokens = 0;
  const CompiledLlm m = testing::compile_tiny(model, o);
  auto emu = LlmEmulation::create(m);
  ASSERT_TRUE(emu);
  std::vector<std::int32_t> tokens(64, 5);
  ASSERT_TRUE(emu->prefill(tokens));
  auto r = emu->step(5);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("64"), std::string::npos);
}

}  // namespace
}  // namespace npu::compiler::llm
