// A timing-only compile (LlmCompileOptions::timing_only: shapes only, no weight source) emits
// exactly the programs, layout and allocation of a full compile, with an empty weights image of
// the same size: what-if studies run the real programs.
#include <cstring>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "llm_test_util.hpp"

namespace npu::compiler::llm {
namespace {

bool same_ops(const std::vector<abi::OpDesc>& a, const std::vector<abi::OpDesc>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(abi::OpDesc)) == 0;
}

TEST(LlmTimingOnly, SameProgramsLayoutAndSizesAsAFullCompileWithoutWeights) {
  const ModelConfig configs[] = {testing::tiny_lfm2("ccac"), testing::tiny_attention_model(Architecture::kQwen2),
                                 testing::tiny_attention_model(Architecture::kLlama), testing::tiny_lfm2moe()};
  for (const ModelConfig& c : configs) {
    for (const char* policy : {"default", "w4a8", "w8a8", "fp32"}) {
      SCOPED_TRACE(fmt::format("{} {}", to_string(c.arch), policy));
      const auto model = testing::make_tiny(c);
      auto full_options = testing::tiny_options(policy);
      full_options.calibration_tokens = 0;  // no activation scales: the programs' params then agree
      const CompiledLlm full = testing::compile_tiny(model, full_options);
      auto shapes_options = full_options;
      shapes_options.timing_only = true;
      LlmSource shapes_only = model.source;
      shapes_only.weights = nullptr;
      auto shapes = compile_llm(shapes_only, shapes_options);
      ASSERT_TRUE(shapes) << shapes.error().what();
      EXPECT_TRUE(shapes->weights.empty());
      EXPECT_FALSE(full.weights.empty());
      EXPECT_EQ(shapes->weights_bytes, full.weights.size());
      EXPECT_EQ(full.weights_bytes, full.weights.size());
      EXPECT_EQ(shapes->layout.segments.weights, full.layout.segments.weights);
      EXPECT_EQ(shapes->layout.segments.state, full.layout.segments.state);
      EXPECT_EQ(shapes->allocation.ddr_used, full.allocation.ddr_used);
      EXPECT_EQ(shapes->allocation.sram_used, full.allocation.sram_used);
      EXPECT_TRUE(same_ops(shapes->prefill_ops, full.prefill_ops));
      EXPECT_TRUE(same_ops(shapes->tbt_ops, full.tbt_ops));
      EXPECT_EQ(shapes->calibration.tokens, 0u);
    }
  }
}

TEST(LlmTimingOnly, WithoutTimingOnlyAWeightSourceIsRequired) {
  const auto model = testing::make_tiny(testing::tiny_lfm2("ca"));
  LlmSource no_weights = model.source;
  no_weights.weights = nullptr;
  auto r = compile_llm(no_weights, testing::tiny_options("default"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("timing_only"), std::string::npos) << r.error().what();
}

}  // namespace
}  // namespace npu::compiler::llm
