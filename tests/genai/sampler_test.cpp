#include "npu/genai/sampler.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace npu::genai {
namespace {

// Logits whose softmax (temperature 1) is exactly `probs`.
std::vector<float> logits_for(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

Sampler make(SamplingParams p) {
  if (!p.seed) p.seed = 1234;
  auto s = Sampler::create(p);
  EXPECT_TRUE(s) << s.error().what();
  return std::move(*s);
}

std::map<TokenId, int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::map<TokenId, int> h;
  for (int i = 0; i < draws; ++i) {
    auto t = s.sample(logits);
    EXPECT_TRUE(t);
    ++h[*t];
  }
  return h;
}

TEST(Sampler, GreedyPicksArgmaxLowestIdOnTies) {
  Sampler s = make({.temperature = 0.0f});
  EXPECT_EQ(*s.sample(std::vector<float>{0.1f, 3.0f, -2.0f, 3.0f}), 1);
  EXPECT_EQ(*s.sample(std::vector<float>{NAN, 0.0f}), 1);
}

// OpenAI's presence / frequency penalties, on greedy picks whose order shows the exact values.
TEST(Sampler, PresencePenaltyLowersEachDrawnTokenOnce) {
  Sampler s = make({.temperature = 0.0f, .presence_penalty = 1.0f});
  const std::vector<float> logits{2.0f, 1.5f, 0.0f};
  // 2.0 wins; then 2.0 - 1 = 1.0 < 1.5; then 1.0 vs 1.5 - 1 = 0.5; the penalty does not grow.
  EXPECT_EQ(*s.sample(logits), 0);
  EXPECT_EQ(*s.sample(logits), 1);
  EXPECT_EQ(*s.sample(logits), 0);
  EXPECT_EQ(*s.sample(logits), 0);
}

TEST(Sampler, FrequencyPenaltyGrowsWithTheCount) {
  Sampler s = make({.temperature = 0.0f, .frequency_penalty = 0.25f});
  const std::vector<float> logits{2.0f, 1.5f};
  // Token 0 after n draws: 2.0 - 0.25 n: 1.75 > 1.5, then 1.5 = 1.5 (a tie: the lower id), then 1.25 < 1.5.
  EXPECT_EQ(*s.sample(logits), 0);
  EXPECT_EQ(*s.sample(logits), 0);
  EXPECT_EQ(*s.sample(logits), 0);
  EXPECT_EQ(*s.sample(logits), 1);
  // Token 1 drawn once (1.25), token 0 three times (1.25): the tie again goes to 0.
  EXPECT_EQ(*s.sample(logits), 0);
}

TEST(Sampler, NegativePresencePenaltyFavoursDrawnTokensAndPromptTokensAreNotCounted) {
  Sampler s = make({.temperature = 0.0f, .presence_penalty = -0.5f});
  s.accept(0);  // a prompt token: in the repetition window, not counted as drawn
  EXPECT_EQ(*s.sample(std::vector<float>{1.0f, 1.2f}), 1);
  // Token 1 was drawn: 1.2 + 0.5 = 1.7 beats 1.5.
  EXPECT_EQ(*s.sample(std::vector<float>{1.5f, 1.2f}), 1);
  s.reset();  // the counts go with the window
  EXPECT_EQ(*s.sample(std::vector<float>{1.5f, 1.2f}), 0);
}

TEST(Sampler, PenaltiesShiftTheDistribution) {
  // Token 0 drawn once, presence ln 3: its weight drops to a third, p0 = (1/3) / (1/3 + 1) = 0.25.
  const float presence = static_cast<float>(std::log(3.0));
  int zeros = 0;
  for (std::uint64_t seed = 1; seed <= 20000; ++seed) {
    Sampler s = make({.temperature = 1.0f, .seed = seed, .presence_penalty = presence});
    EXPECT_EQ(*s.sample(std::vector<float>{0.0f, -100.0f}), 0);
    if (*s.sample(std::vector<float>{0.0f, 0.0f}) == 0) ++zeros;
  }
  EXPECT_NEAR(zeros / 20000.0, 0.25, 0.015);
}

TEST(Sampler, PenaltiesOutsideTheirRangeAreRefused) {
  for (float v : {2.5f, -3.0f, NAN}) {
    auto p = Sampler::create({.presence_penalty = v});
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message().find("presence_penalty"), std::string::npos) << p.error().message();
    auto f = Sampler::create({.frequency_penalty = v});
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().message().find("frequency_penalty"), std::string::npos) << f.error().message();
  }
}

TEST(Sampler, TemperatureOneFollowsTheDistribution) {
  Sampler s = make({.temperature = 1.0f});
  const auto h = histogram(s, logits_for({0.5, 0.3, 0.2}), 20000);
  EXPECT_NEAR(h.at(0) / 20000.0, 0.5, 0.02);
  EXPECT_NEAR(h.at(1) / 20000.0, 0.3, 0.02);
  EXPECT_NEAR(h.at(2) / 20000.0, 0.2, 0.02);
}

TEST(Sampler, LowTemperatureConcentratesHighSpreads) {
  const auto logits = logits_for({0.4, 0.35, 0.25});
  Sampler cold = make({.temperature = 0.1f});
  Sampler hot = make({.temperature = 5.0f});
  const auto hc = histogram(cold, logits, 4000);
  const auto hh = histogram(hot, logits, 4000);
  EXPECT_GT(hc.at(0), 3000);  // (0.4/0.35)^10 ~ 3.8x the runner-up
  EXPECT_LT(hh.at(0), 1600);  // nearly uniform
  EXPECT_GT(hh.at(2), 1100);
}

TEST(Sampler, TopKKeepsOnlyTheKBest) {
  Sampler s = make({.temperature = 1.0f, .top_k = 2});
  const auto h = histogram(s, logits_for({0.1, 0.4, 0.2, 0.3}), 3000);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_TRUE(h.contains(1) && h.contains(3));
  EXPECT_NEAR(h.at(1) / 3000.0, 0.4 / 0.7, 0.03);  // renormalized over the kept two
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  Sampler s = make({.temperature = 1.0f, .top_p = 0.7f});
  const auto h = histogram(s, logits_for({0.15, 0.5, 0.05, 0.3}), 3000);
  EXPECT_EQ(h.size(), 2u);  // 0.5 < 0.7, 0.5 + 0.3 >= 0.7
  EXPECT_TRUE(h.contains(1) && h.contains(3));
  Sampler all = make({.temperature = 1.0f, .top_p = 1.0f});
  EXPECT_EQ(histogram(all, logits_for({0.15, 0.5, 0.05, 0.3}), 3000).size(), 4u);
}

TEST(Sampler, MinPDropsTheTail) {
  Sampler s = make({.temperature = 1.0f, .min_p = 0.2f});
  // floor = 0.2 * 0.5 = 0.1: 0.05 and 0.08 go, 0.12 stays.
  const auto h = histogram(s, logits_for({0.5, 0.05, 0.25, 0.08, 0.12}), 4000);
  EXPECT_EQ((std::set<TokenId>{0, 2, 4}), [&] {
    std::set<TokenId> k;
    for (auto [id, n] : h) k.insert(id);
    return k;
  }());
}

TEST(Sampler, RepetitionPenaltyOverAWindow) {
  Sampler s = make({.temperature = 0.0f, .repetition_penalty = 1.5f, .repetition_window = 3});
  const std::vector<float> pos{2.0f, 1.9f, 0.0f};
  EXPECT_EQ(*s.sample(pos), 0);  // nothing recent yet; records 0
  EXPECT_EQ(*s.sample(pos), 1);  // 2.0 / 1.5 < 1.9; records 1
  const std::vector<float> neg{-1.0f, -1.2f, -5.0f};
  s.reset();
  s.accept(0);
  EXPECT_EQ(*s.sample(neg), 1);  // -1 * 1.5 = -1.5 < -1.2
  // Push 0 out of the 3-token window: it is no longer penalized.
  s.reset();
  s.accept(0);
  s.accept(2);
  s.accept(2);
  s.accept(2);
  EXPECT_EQ(*s.sample(pos), 0);
}

TEST(Sampler, SeedIsDeterministic) {
  const auto logits = logits_for({0.2, 0.2, 0.2, 0.2, 0.2});
  const auto run = [&](std::uint64_t seed) {
    Sampler s = make({.temperature = 1.0f, .seed = seed});
    std::vector<TokenId> out;
    for (int i = 0; i < 64; ++i) out.push_back(*s.sample(logits));
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
  // Pinned sequence: mt19937_64 + top-53-bit doubles + id-order draw are platform-independent,
  // so these exact tokens must come out everywhere.
  const std::vector<TokenId> first = run(42);
  EXPECT_EQ(std::vector<TokenId>(first.begin(), first.begin() + 12),
            (std::vector<TokenId>{3, 3, 3, 0, 4, 0, 2, 1, 1, 1, 0, 2}));
  Sampler s = make({.temperature = 1.0f, .seed = 42});
  for (int i = 0; i < 5; ++i) (void)s.sample(logits);
  s.reset();
  EXPECT_EQ(*s.sample(logits), first[0]);  // reset restarts the random sequence
}

TEST(Sampler, AnUnsetSeedIsTheDocumentedDefaultSeed) {
  const auto logits = logits_for({0.2, 0.2, 0.2, 0.2, 0.2});
  const auto run = [&](SamplingParams p) {
    auto s = Sampler::create(p);
    EXPECT_TRUE(s) << s.error().what();
    std::vector<TokenId> out;
    for (int i = 0; i < 64; ++i) out.push_back(*s->sample(logits));
    return out;
  };
  const auto unset = run({.temperature = 1.0f});
  EXPECT_EQ(unset, run({.temperature = 1.0f}));  // two samplers, no seed: the same draws
  EXPECT_EQ(unset, run({.temperature = 1.0f, .seed = kDefaultSeed}));
  EXPECT_NE(unset, run({.temperature = 1.0f, .seed = kDefaultSeed + 1}));
}

TEST(Sampler, FastOnA65536Vocabulary) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(65536);
  for (float& l : logits) l = normal(rng);
  Sampler s = make({.temperature = 0.8f, .top_p = 0.95f, .min_p = 0.01f, .repetition_penalty = 1.1f});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(s.sample(logits));
  const auto per_token = (std::chrono::steady_clock::now() - start) / 100;
  EXPECT_LT(per_token, std::chrono::milliseconds(20));
}

TEST(Sampler, RefusesBadParametersAndRows) {
  EXPECT_FALSE(Sampler::create({.temperature = -0.5f}));
  EXPECT_FALSE(Sampler::create({.temperature = NAN}));
  EXPECT_FALSE(Sampler::create({.top_k = -1}));
  EXPECT_FALSE(Sampler::create({.top_p = 0.0f}));
  EXPECT_FALSE(Sampler::create({.top_p = 1.5f}));
  EXPECT_FALSE(Sampler::create({.min_p = -0.1f}));
  EXPECT_FALSE(Sampler::create({.repetition_penalty = 0.0f}));
  EXPECT_FALSE(Sampler::create({.repetition_window = -2}));
  Sampler s = make({});
  EXPECT_FALSE(s.sample(std::vector<float>{}));
  EXPECT_FALSE(s.sample(std::vector<float>{-INFINITY, NAN}));
}

TEST(SamplingPresets, PerModelAndOnlyWhenNothingIsSet) {
  const auto instruct = sampling_preset("LFM2.5-1.2B-Instruct");
  ASSERT_TRUE(instruct);
  EXPECT_EQ(instruct->temperature, 0.1f);
  EXPECT_EQ(instruct->top_k, 50);
  EXPECT_EQ(instruct->repetition_penalty, 1.05f);
  EXPECT_FALSE(instruct->min_p);
  EXPECT_EQ(sampling_preset("LFM2.5-350M"), instruct);
  EXPECT_EQ(sampling_preset("lfm2.5-230m-gguf"), instruct);
  const auto thinking = sampling_preset("LFM2.5-1.2B-Thinking");
  ASSERT_TRUE(thinking);
  EXPECT_EQ(thinking->temperature, 0.05f);
  EXPECT_EQ(thinking->top_k, 50);
  for (const char* name : {"LFM2.5-1.2B-JP", "LFM2.5-1.2B-Base"}) {
    const auto p = sampling_preset(name);
    ASSERT_TRUE(p) << name;
    EXPECT_EQ(p->temperature, 0.3f);
    EXPECT_EQ(p->min_p, 0.15f);
    EXPECT_FALSE(p->top_k);
    EXPECT_EQ(p->repetition_penalty, 1.05f);
  }
  const auto moe = sampling_preset("LFM2-8B-A1B");
  ASSERT_TRUE(moe);
  EXPECT_EQ(moe->temperature, 0.2f);
  EXPECT_EQ(moe->top_k, 80);
  EXPECT_FALSE(sampling_preset("Qwen2-1.5B-Instruct"));
  EXPECT_FALSE(sampling_preset("LFM2-1.2B"));

  // Nothing set: the preset, keeping the caller's seed.
  const SamplingParams resolved = resolve_sampling({.seed = 9}, "LFM2.5-1.2B-Thinking");
  EXPECT_EQ(resolved.temperature, 0.05f);
  EXPECT_EQ(resolved.seed, 9u);
  // Anything set: the caller's choice wins entirely (no partial mixing).
  const SamplingParams mine = resolve_sampling({.temperature = 0.7f}, "LFM2.5-1.2B-Thinking");
  EXPECT_EQ(mine.temperature, 0.7f);
  EXPECT_FALSE(mine.top_k);
  // No preset for the model: unchanged.
  EXPECT_EQ(resolve_sampling({}, "unknown-model"), SamplingParams{});
}

}  // namespace
}  // namespace npu::genai
