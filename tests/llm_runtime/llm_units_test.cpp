// Pieces of the LLM runtime that need no device: the prefill plan, sampling resolution, and
// refusal of files that are not LLM packages.
#include <gtest/gtest.h>

#include "npk/llm_package.hpp"
#include "local/llm/prefill_plan.hpp"
#include "local/llm/token_chooser.hpp"

namespace npu::genai::detail {
namespace {

TEST(PrefillPlan, RemainderChunkFirstThenFullChunks) {
  EXPECT_EQ(plan_prefill_chunks(19, 8), (std::vector<std::uint32_t>{3, 8, 8}));
  EXPECT_EQ(plan_prefill_chunks(16, 8), (std::vector<std::uint32_t>{8, 8}));
  EXPECT_EQ(plan_prefill_chunks(5, 8), (std::vector<std::uint32_t>{5}));
  EXPECT_EQ(plan_prefill_chunks(1, 1), (std::vector<std::uint32_t>{1}));
  EXPECT_TRUE(plan_prefill_chunks(0, 8).empty());
  std::uint32_t sum = 0;
  for (auto r : plan_prefill_chunks(1000, 96)) sum += r;
  EXPECT_EQ(sum, 1000u);
}

TEST(GenerationSampling, CallerValuesWinThenMetadataThenPreset) {
  GeneratorParams caller;
  SamplingParams meta;
  meta.temperature = 0.3f;
  meta.min_p = 0.15f;
  auto s = resolve_generation_sampling(caller, meta, "whatever");
  EXPECT_EQ(s.temperature, 0.3f);
  EXPECT_EQ(s.min_p, 0.15f);
  caller.temperature = 0.0f;
  caller.seed = 9;
  s = resolve_generation_sampling(caller, meta, "whatever");
  EXPECT_EQ(s.temperature, 0.0f);
  EXPECT_FALSE(s.min_p.has_value());
  EXPECT_EQ(s.seed, 9u);
  s = resolve_generation_sampling(GeneratorParams{}, SamplingParams{}, "LFM2.5-1.2B-Thinking");
  EXPECT_EQ(s.temperature, 0.05f);
}

TEST(GenerationSampling, GreedyWhenAskedOrAtTemperatureZeroAndBadValuesRefused) {
  GeneratorParams p;
  p.greedy = true;
  SamplingParams s;
  s.temperature = 0.7f;
  auto c = TokenChooser::create(p, s);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->greedy());
  s.temperature = 0.0f;
  EXPECT_TRUE(TokenChooser::create(GeneratorParams{}, s)->greedy());
  s.temperature = 0.5f;
  EXPECT_FALSE(TokenChooser::create(GeneratorParams{}, s)->greedy());
  s.top_p = 1.5f;
  auto bad = TokenChooser::create(GeneratorParams{}, s);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST(LlmPackage, MissingFileIsAClearError) {
  auto pkg = LlmPackage::open("/nonexistent/model.npk");
  ASSERT_FALSE(pkg.has_value());
  EXPECT_NE(pkg.error().message().find("/nonexistent/model.npk"), std::string::npos);
}

TEST(LlmPackage, MetadataKindTellsLlmsApart) {
  EXPECT_TRUE(is_llm_metadata(R"({"kind":"llm","name":"x"})"));
  EXPECT_FALSE(is_llm_metadata(R"({"schema":1,"name":"mlp"})"));
  EXPECT_FALSE(is_llm_metadata("not json"));
}

}  // namespace
}  // namespace npu::genai::detail
