// The fp32 reference: building blocks on known values, decode state (conv window, KV cache),
// replay determinism, and input errors. Agreement with llama.cpp is tests/oracle's job.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "npu/compiler/reference_math.hpp"
#include "npu/compiler/reference_model.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "test_models_util.hpp"

using namespace npu::compiler;
using npu::compiler::testing::tiny_lfm2;

namespace {

std::vector<std::vector<float>> run(ReferenceModel& m, const std::vector<std::int32_t>& tokens) {
  m.reset();
  std::vector<std::vector<float>> out;
  for (std::int32_t t : tokens) {
    auto logits = m.forward(t);
    EXPECT_TRUE(logits);
    out.emplace_back(logits->begin(), logits->end());
  }
  return out;
}

ReferenceModel make(const ModelConfig& c, std::uint64_t seed = 3) {
  auto w = SyntheticWeightSource::create(c, seed);
  EXPECT_TRUE(w);
  auto m = ReferenceModel::create(c, **w);
  EXPECT_TRUE(m) << m.error().what();
  return std::move(*m);
}

}  // namespace

TEST(ReferenceMath, RmsNormHasNoOnePlusW) {
  std::vector<float> x{3, 4}, w{1, 2}, out(2);
  reference::rms_norm(x, w, 0.0f, out);
  const float rms = std::sqrt(12.5f);
  EXPECT_FLOAT_EQ(out[0], 3 / rms);
  EXPECT_FLOAT_EQ(out[1], 2 * 4 / rms);
}

TEST(ReferenceMath, RopeNeoxPairsIWithIPlusHalf) {
  std::vector<float> neox{1, 0, 0, 0}, normal{1, 0, 0, 0};
  reference::rope(neox, 1, 100.0, true);
  reference::rope(normal, 1, 100.0, false);
  EXPECT_FLOAT_EQ(neox[0], std::cos(1.0f));
  EXPECT_FLOAT_EQ(neox[2], std::sin(1.0f));
  EXPECT_FLOAT_EQ(neox[1], 0.0f);
  EXPECT_FLOAT_EQ(normal[1], std::sin(1.0f));
  EXPECT_FLOAT_EQ(normal[2], 0.0f);
  // Second pair rotates at theta^(-2/4) = 0.1 rad per position.
  std::vector<float> second{0, 1, 0, 0};
  reference::rope(second, 2, 100.0, true);
  EXPECT_FLOAT_EQ(second[1], std::cos(0.2f));
  EXPECT_FLOAT_EQ(second[3], std::sin(0.2f));
}

TEST(ReferenceMath, SoftmaxAndSilu) {
  std::vector<float> x{1, 2, 3, 1000};
  reference::softmax(x);
  EXPECT_NEAR(std::accumulate(x.begin(), x.end(), 0.0), 1.0, 1e-6);
  EXPECT_FLOAT_EQ(x[3], 1.0f);
  EXPECT_FLOAT_EQ(reference::silu(0.0f), 0.0f);
  EXPECT_NEAR(reference::silu(2.0f), 2.0f / (1.0f + std::exp(-2.0f)), 1e-6f);
  std::vector<float> w{1, 2, 3, 4, 5, 6}, v{1, -1, 2}, out(2);
  reference::matvec(w, v, out);
  EXPECT_EQ(out, (std::vector<float>{5, 11}));
}

TEST(Reference, ConvStateSpansExactlyThreeTokensPerLayer) {
  // One conv layer sees the current token and the 2 before it; each further layer adds 2 more.
  ReferenceModel one = make(tiny_lfm2("c"));
  auto a = run(one, {5, 9, 11, 13, 17, 19, 23});
  auto b = run(one, {6, 9, 11, 13, 17, 19, 23});
  EXPECT_NE(a[2], b[2]);
  EXPECT_EQ(a[3], b[3]);
  ReferenceModel two = make(tiny_lfm2("cc"));
  a = run(two, {5, 9, 11, 13, 17, 19, 23});
  b = run(two, {6, 9, 11, 13, 17, 19, 23});
  EXPECT_NE(a[4], b[4]);
  EXPECT_EQ(a[5], b[5]);
  EXPECT_EQ(a[6], b[6]);
}

TEST(Reference, AttentionSeesTheWholePrefix) {
  ReferenceModel m = make(tiny_lfm2("ca"));
  const auto a = run(m, {5, 9, 11, 13, 17});
  const auto b = run(m, {6, 9, 11, 13, 17});
  EXPECT_NE(a[4], b[4]);
  EXPECT_EQ(m.position(), 5u);
}

TEST(Reference, ResetReplaysIdentically) {
  ReferenceModel m = make(tiny_lfm2("cacca", 1, false));
  const std::vector<std::int32_t> tokens{1, 40, 41, 299, 0, 7, 100};
  const auto first = run(m, tokens);
  const auto second = run(m, tokens);
  EXPECT_EQ(first, second);
  m.reset();
  auto batched = m.forward(std::span<const std::int32_t>(tokens));
  ASSERT_TRUE(batched);
  EXPECT_EQ(std::vector<float>(batched->begin(), batched->end()), first.back());
}

TEST(Reference, LogitsAreFiniteAndNotFlat) {
  ReferenceModel m = make(tiny_lfm2("ccacca", 2));
  const auto logits = run(m, {1, 2, 3, 4, 5, 6, 7, 8});
  for (const auto& l : logits) {
    double mean = 0, var = 0;
    for (float v : l) {
      ASSERT_TRUE(std::isfinite(v));
      mean += v;
    }
    mean /= static_cast<double>(l.size());
    for (float v : l) var += (v - mean) * (v - mean);
    EXPECT_GT(std::sqrt(var / static_cast<double>(l.size())), 1.0);  // peaked enough to have a clear argmax
  }
}

TEST(Reference, QwenAndLlamaRun) {
  for (Architecture arch : {Architecture::kQwen2, Architecture::kLlama}) {
    ModelConfig c = tiny_lfm2("aa", 2);
    c.arch = arch;
    c.qk_norm = false;
    c.conv_l_cache = 0;
    c.qkv_bias = arch == Architecture::kQwen2;
    c.rope_neox = arch == Architecture::kQwen2;
    ReferenceModel m = make(c);
    const auto logits = run(m, {3, 4, 5});
    for (float v : logits.back()) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(Reference, BadTokensAndFullContextAreErrors) {
  auto c = tiny_lfm2("ca");
  auto w = SyntheticWeightSource::create(c, 1);
  auto m = ReferenceModel::create(c, **w, {.max_context = 2});
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->forward(300));
  EXPECT_FALSE(m->forward(-1));
  EXPECT_TRUE(m->forward(1));
  EXPECT_TRUE(m->forward(2));
  auto full = m->forward(3);
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message().find("context is full"), std::string::npos);
}

TEST(Reference, MisshapedWeightsAreRefused) {
  auto c = tiny_lfm2("ca");
  auto w = SyntheticWeightSource::create(tiny_lfm2("ca", 4), 1);  // kv heads 4 instead of 2
  auto m = ReferenceModel::create(c, **w);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("blk.1.attn_k.weight has shape {64, 64}, expected {64, 32}"), std::string::npos)
      << m.error().what();
}
