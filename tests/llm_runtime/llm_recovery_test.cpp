// Sessions that survive a device reset: a fault of every kind the driver recovers from (firmware
// crash or hang, DMA error, memory error), injected at prefill or decode, is followed by the
// session rebuilding its context on the re-booted device; the tokens are those of the fault-free
// run (greedy and seeded sampling), the caller sees kRecovery events and the stats count them. A
// removed device ends the generation with a clear error. The fault campaign runs several sessions
// at once under seeded random faults.
#include "recovery_fixture.hpp"
#include "npu/hal/sim_control.hpp"

namespace npu::test {
namespace {

class LlmRecoveryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new TinyLlm(compile_tiny("default", 21, "recovery.npk")); }
  static void TearDownTestSuite() { delete model_; }
  void SetUp() override {
    auto v = VDevice::create();
    ASSERT_TRUE(v.has_value()) << v.error().what();
    vdevice_ = std::move(*v);
    device_id_ = vdevice_->identity(0).info.id;
  }
  std::unique_ptr<genai::LLM> open() {
    auto llm = genai::LLM::create(*vdevice_, {.model_path = model_->path});
    EXPECT_TRUE(llm.has_value()) << llm.error().what();
    return llm ? std::move(*llm) : nullptr;
  }
  Outcome generate(genai::LLM& llm, std::span<const genai::TokenId> prompt, const genai::GeneratorParams& p,
               const std::string& faults = {}) {
    EXPECT_TRUE(hal::sim_control::set_faults(device_id_, faults).has_value());
    auto gen = llm.generate(prompt, p);
    EXPECT_TRUE(gen.has_value()) << gen.error().what();
    if (!gen) return {};
    auto r = drain(*gen);
    EXPECT_TRUE(hal::sim_control::set_faults(device_id_, "").has_value());
    return r;
  }

  static TinyLlm* model_;
  std::unique_ptr<VDevice> vdevice_;
  std::string device_id_;
};
TinyLlm* LlmRecoveryTest::model_ = nullptr;

// 11 prompt tokens: two prefill runs (chunk 8); then one TBT run per generated token.
TEST_F(LlmRecoveryTest, EveryResetFaultIsRecoveredWithTheTokensOfAFaultFreeRun) {
  auto llm = open();
  ASSERT_TRUE(llm);
  const auto prompt = prompt_tokens(11);
  const auto want = generate(*llm, prompt, greedy(16));
  ASSERT_EQ(want.tokens.size(), 16u);
  ASSERT_TRUE(want.recoveries.empty());
  for (const char* fault : {"firmware_crash@run=2", "firmware_crash@run=9", "memory_error@run=1",
                            "memory_error@run=12", "dma_error@dma=3", "dma_error@dma=30", "firmware_hang@run=6",
                            "firmware_crash@run=4,memory_error@run=7"}) {
    SCOPED_TRACE(fault);
    ASSERT_TRUE(llm->clear_context().has_value());
    const auto got = generate(*llm, prompt, greedy(16), fault);
    ASSERT_FALSE(got.error) << got.error->what();
    EXPECT_EQ(got.status, genai::GenerationStatus::kMaxTokensReached);
    EXPECT_EQ(got.tokens, want.tokens);
    // (Of two faults the second may hit while the first's context is being rebuilt: that rebuild
    // starts over, within the same recovery.)
    EXPECT_EQ(got.recoveries.size(), 1u);
    EXPECT_EQ(got.stats.recoveries, 1u);
    EXPECT_GT(got.stats.recovery_time.count(), 0);
    EXPECT_EQ(got.stats.generated_tokens, 16u);
    if (!got.recoveries.empty()) {
      EXPECT_NE(got.recoveries[0].find("the session recovered in"), std::string::npos) << got.recoveries[0];
    }
  }
}

TEST_F(LlmRecoveryTest, SampledGenerationContinuesFromTheSameRandomState) {
  auto llm = open();
  ASSERT_TRUE(llm);
  const auto p = seeded_sampling();
  const auto prompt = prompt_tokens(5);
  const auto want = generate(*llm, prompt, p);
  ASSERT_TRUE(llm->clear_context().has_value());
  const auto got = generate(*llm, prompt, p, "firmware_crash@run=8");
  ASSERT_FALSE(got.error) << got.error->what();
  EXPECT_EQ(got.recoveries.size(), 1u);
  EXPECT_EQ(got.tokens, want.tokens);
}

// A reset in the second turn rebuilds the first turn's prompt and answer too; a loaded context is
// written again before the runs that followed it.
TEST_F(LlmRecoveryTest, EarlierTurnsAndALoadedContextAreRebuilt) {
  auto llm = open();
  ASSERT_TRUE(llm);
  const auto first = prompt_tokens(9, 30);
  const auto second = prompt_tokens(4, 60);
  (void)generate(*llm, first, greedy(6));
  const auto path = llm_temp("recovery.ctx");
  ASSERT_TRUE(llm->save_context(path).has_value());
  const auto want = generate(*llm, second, greedy(10));

  ASSERT_TRUE(llm->clear_context().has_value());
  (void)generate(*llm, first, greedy(6));
  const auto got = generate(*llm, second, greedy(10), "memory_error@run=3");
  ASSERT_FALSE(got.error) << got.error->what();
  EXPECT_EQ(got.tokens, want.tokens);
  ASSERT_EQ(got.recoveries.size(), 1u);
  // Everything the session had seen: 9 + 6 tokens of the first turn (its last token was pending),
  // plus what the second turn had fed when the fault hit.
  EXPECT_NE(got.recoveries[0].find("running its"), std::string::npos);

  auto loaded = llm->create_session();
  ASSERT_TRUE(loaded.has_value());
  ASSERT_TRUE((*loaded)->load_context(path).has_value());
  const auto after_load = generate(**loaded, second, greedy(10), "firmware_crash@run=4");
  ASSERT_FALSE(after_load.error) << after_load.error->what();
  EXPECT_EQ(after_load.recoveries.size(), 1u);
  EXPECT_EQ(after_load.tokens, want.tokens);
  std::filesystem::remove(path);
}

// A whole prompt that leaves the context inside it rewinds (conv state restored from the checkpoint
// at the end of the first prompt, the runs recovery replays cut there). A reset right after the
// rewind, or during its write of the conv state, rebuilds the kept context from those runs: the
// tokens of a fault-free run.
TEST_F(LlmRecoveryTest, AResetRightAfterARewindIsRecovered) {
  const auto first = prompt_tokens(11, 30);
  auto second = first;
  for (genai::TokenId t : prompt_tokens(5, 70)) second.push_back(t);
  auto turns = [&](const std::string& faults) {
    auto llm = open();
    EXPECT_TRUE(llm);
    if (!llm) return Outcome{};
    auto gen = llm->generate_cached(first, greedy(6));
    EXPECT_TRUE(gen.has_value()) << gen.error().what();
    if (gen) (void)drain(*gen);
    EXPECT_EQ(llm->context_usage(), 16u);
    EXPECT_TRUE(hal::sim_control::set_faults(device_id_, faults).has_value());
    auto again = llm->generate_cached(second, greedy(8));
    EXPECT_TRUE(again.has_value()) << again.error().what();
    auto r = again ? drain(*again) : Outcome{};
    EXPECT_TRUE(hal::sim_control::set_faults(device_id_, "").has_value());
    return r;
  };
  const auto want = turns("");
  ASSERT_EQ(want.tokens.size(), 8u);
  EXPECT_EQ(want.stats.cached_tokens, 11u);
  EXPECT_EQ(want.stats.prompt_tokens, 5u);
  for (const char* fault : {"firmware_crash@run=1", "memory_error@run=3", "dma_error@dma=1"}) {
    SCOPED_TRACE(fault);
    const auto got = turns(fault);
    ASSERT_FALSE(got.error) << got.error->what();
    EXPECT_EQ(got.tokens, want.tokens);
    EXPECT_EQ(got.stats.cached_tokens, 11u);
    EXPECT_EQ(got.recoveries.size(), 1u);
    EXPECT_EQ(got.stats.recoveries, 1u);
  }
}

// A loaded context rewound to a checkpoint its file carries, below the loaded state: a reset
// right after the rewind rebuilds from the loaded state with that checkpoint's conv state, and
// gives the tokens and logits of a fault-free run, which are those of a fresh session.
TEST_F(LlmRecoveryTest, AResetAfterARewindIntoALoadedContextIsRecovered) {
  const auto first = prompt_tokens(11, 30);
  auto second = first;
  for (genai::TokenId t : prompt_tokens(5, 70)) second.push_back(t);
  const auto path = llm_temp("recovery_rewind.ctx");
  {
    auto llm = open();
    ASSERT_TRUE(llm);
    auto gen = llm->generate_cached(first, greedy(6));
    ASSERT_TRUE(gen.has_value()) << gen.error().what();
    (void)drain(*gen);
    ASSERT_TRUE(llm->save_context(path).has_value());  // 16 tokens, a checkpoint at 11
  }
  auto params = greedy(8);
  params.return_logits = true;
  auto turn = [&](const std::string& faults) {
    auto llm = open();
    EXPECT_TRUE(llm && llm->load_context(path).has_value());
    if (!llm) return Outcome{};
    EXPECT_TRUE(hal::sim_control::set_faults(device_id_, faults).has_value());
    auto gen = llm->generate_cached(second, params);
    EXPECT_TRUE(gen.has_value()) << gen.error().what();
    auto r = gen ? drain(*gen) : Outcome{};
    EXPECT_TRUE(hal::sim_control::set_faults(device_id_, "").has_value());
    return r;
  };
  auto fresh = open();
  ASSERT_TRUE(fresh);
  const auto want = generate(*fresh, second, params);
  ASSERT_EQ(want.tokens.size(), 8u);
  ASSERT_EQ(want.logits.size(), 8u);
  for (const char* fault : {"", "firmware_crash@run=1", "memory_error@run=3", "dma_error@dma=1"}) {
    SCOPED_TRACE(fault);
    const auto got = turn(fault);
    ASSERT_FALSE(got.error) << got.error->what();
    EXPECT_EQ(got.tokens, want.tokens);
    EXPECT_EQ(got.logits, want.logits);
    EXPECT_EQ(got.stats.cached_tokens, 11u);
    EXPECT_EQ(got.recoveries.size(), *fault == '\0' ? 0u : 1u);
  }
  std::filesystem::remove(path);
}

TEST_F(LlmRecoveryTest, PrefillCallRecoversToo) {
  auto llm = open();
  ASSERT_TRUE(llm);
  const auto prompt = prompt_tokens(20);
  ASSERT_TRUE(llm->prefill(prompt).has_value());
  const std::vector<float> want(llm->logits().begin(), llm->logits().end());
  ASSERT_TRUE(llm->clear_context().has_value());
  ASSERT_TRUE(hal::sim_control::set_faults(device_id_, "firmware_crash@run=3").has_value());
  auto stats = llm->prefill(prompt);
  ASSERT_TRUE(stats.has_value()) << stats.error().what();
  EXPECT_EQ(stats->recoveries, 1u);
  EXPECT_EQ(std::vector<float>(llm->logits().begin(), llm->logits().end()), want);
  EXPECT_EQ(llm->context_usage(), 20u);
}

TEST_F(LlmRecoveryTest, RemovedDeviceEndsTheGenerationWithAClearError) {
  auto llm = open();
  ASSERT_TRUE(llm);
  const auto got = generate(*llm, prompt_tokens(11), greedy(16), "device_removal@run=5");
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code(), ErrorCode::kDeviceLost) << got.error->what();
  EXPECT_NE(got.error->message().find("reconnect"), std::string::npos) << got.error->what();
  EXPECT_EQ(got.status, genai::GenerationStatus::kFailed);
  EXPECT_TRUE(got.recoveries.empty());
  EXPECT_EQ(llm->context_usage(), 0u);  // the context was dropped, not left half-valid
}

// Several sessions generate at once on one device while faults of every recoverable kind hit at
// random points (seeded: the same seed gives the same campaign). A reset loses every session's
// state, not only the one whose step failed: each must rebuild and finish token-identical.
TEST_F(LlmRecoveryTest, FaultCampaignOverConcurrentSessions) {
  constexpr int kSessions = 3;
  constexpr std::uint32_t kTokens = 24;
  auto base = open();
  ASSERT_TRUE(base);
  std::vector<std::unique_ptr<genai::LLM>> sessions;
  std::vector<std::vector<genai::TokenId>> prompts, want;
  for (int i = 0; i < kSessions; ++i) {
    auto s = base->create_session();
    ASSERT_TRUE(s.has_value()) << s.error().what();
    sessions.push_back(std::move(*s));
    prompts.push_back(prompt_tokens(5 + 4 * static_cast<std::size_t>(i), 25 + 10 * i));
    want.push_back(generate(*sessions.back(), prompts.back(), greedy(kTokens)).tokens);
    ASSERT_EQ(want.back().size(), kTokens);
    ASSERT_TRUE(sessions.back()->clear_context().has_value());
  }
  RecoveryTally tally;
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    std::mt19937 rng(seed);
    // Runs of the campaign: about kSessions * (kTokens + 2); DMA transfers a few per run.
    const std::string plan = random_reset_faults(rng, 3, 70, 200);
    SCOPED_TRACE(fmt::format("seed {}: {}", seed, plan));
    ASSERT_TRUE(hal::sim_control::set_faults(device_id_, plan).has_value());
    const auto got = generate_at_once(sessions, prompts, greedy(kTokens));
    ASSERT_TRUE(hal::sim_control::set_faults(device_id_, "").has_value());
    for (int i = 0; i < kSessions; ++i) {
      const auto& r = got[static_cast<std::size_t>(i)];
      ASSERT_FALSE(r.error) << "session " << i << ": " << r.error->what();
      EXPECT_EQ(r.tokens, want[static_cast<std::size_t>(i)]) << "session " << i;
      tally.add(r.stats);
      ASSERT_TRUE(sessions[static_cast<std::size_t>(i)]->clear_context().has_value());
    }
  }
  EXPECT_GT(tally.count, 0u);
  fmt::print("fault campaign: {}\n", tally.summary());
}

}  // namespace
}  // namespace npu::test
