// Sessions that survive a removed device: in a VDevice of two simulated devices, a session whose
// device disappears mid-generation moves to the other device, rebuilds its context there by
// replaying what it had seen (the reset-recovery path) and finishes with the tokens of a run
// without the fault; the caller sees a kRecovery notice naming the move. A session on the
// surviving device loses nothing; the removed device takes no more work; with no room on the
// other device the session ends with a clear error. The fault campaign of llm_recovery_test.cpp
// runs here too, with a removal among its faults.
#include <cstdlib>
#include <fstream>

#include "npu/hal/sim_control.hpp"
#include "recovery_fixture.hpp"

namespace npu::test {
namespace {

// `n` simulated devices, all of them in one VDevice (`profile`: NPU_SIM_PROFILE, when given).
std::unique_ptr<VDevice> open_devices(int n, const std::string& profile = {}) {
  ::setenv("NPU_SIM_DEVICES", std::to_string(n).c_str(), 1);
  if (!profile.empty()) ::setenv("NPU_SIM_PROFILE", profile.c_str(), 1);
  VDeviceParams p;
  p.device_ids = {"all"};
  auto v = VDevice::create(p);
  ::unsetenv("NPU_SIM_DEVICES");
  ::unsetenv("NPU_SIM_PROFILE");
  EXPECT_TRUE(v.has_value()) << v.error().what();
  return v ? std::move(*v) : nullptr;
}

// The device a session lives on (the one its contexts are loaded on).
std::optional<std::size_t> device_of(const genai::LLM& llm, std::size_t devices) {
  for (std::size_t d = 0; d < devices; ++d) {
    if (!llm.device_contexts(d).empty()) return d;
  }
  return std::nullopt;
}

class LlmDeviceMoveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new TinyLlm(compile_tiny("default", 21, "device_move.npk")); }
  static void TearDownTestSuite() { delete model_; }
  void SetUp() override {
    vdevice_ = open_devices(2);
    ASSERT_TRUE(vdevice_);
    ASSERT_EQ(vdevice_->device_count(), 2u);
  }
  void TearDown() override {
    for (const char* id : {"sim:0", "sim:1"}) (void)hal::sim_control::set_faults(id, "");
  }
  std::unique_ptr<genai::LLM> open() {
    auto llm = genai::LLM::create(*vdevice_, {.model_path = model_->path});
    EXPECT_TRUE(llm.has_value()) << llm.error().what();
    return llm ? std::move(*llm) : nullptr;
  }
  static Outcome generate(genai::LLM& llm, std::span<const genai::TokenId> prompt, const genai::GeneratorParams& p) {
    auto gen = llm.generate(prompt, p);
    EXPECT_TRUE(gen.has_value()) << gen.error().what();
    return gen ? drain(*gen) : Outcome{};
  }
  // A fault-free run, then the same after clear_context() with `faults` on device `on`.
  static std::pair<Outcome, Outcome> with_and_without(genai::LLM& llm, std::span<const genai::TokenId> prompt,
                                                      const genai::GeneratorParams& p, const std::string& on,
                                                      const std::string& faults) {
    auto want = generate(llm, prompt, p);
    EXPECT_TRUE(llm.clear_context().has_value());
    EXPECT_TRUE(hal::sim_control::set_faults(on, faults).has_value());
    auto got = generate(llm, prompt, p);
    return {std::move(want), std::move(got)};
  }

  static TinyLlm* model_;
  std::unique_ptr<VDevice> vdevice_;
};
TinyLlm* LlmDeviceMoveTest::model_ = nullptr;

void expect_moved(const Outcome& got, const std::string& from, const std::string& to) {
  ASSERT_FALSE(got.error) << got.error->what();
  ASSERT_EQ(got.recoveries.size(), 1u);
  EXPECT_NE(got.recoveries[0].find(fmt::format("device {} was removed; the session moved to device {} in", from, to)),
            std::string::npos)
      << got.recoveries[0];
  EXPECT_EQ(got.stats.recoveries, 1u);
  EXPECT_GT(got.stats.recovery_time.count(), 0);
}

// 11 prompt tokens: two prefill runs (chunk 8), then a TBT run per token; the 5th run is the
// third generated token's.
TEST_F(LlmDeviceMoveTest, GreedyGenerationMovesToTheOtherDeviceWithTheTokensOfAFaultFreeRun) {
  auto llm = open();
  ASSERT_TRUE(llm);
  ASSERT_EQ(device_of(*llm, 2), 0u);  // the first session goes to the device with the most room: a tie, sim:0
  const auto prompt = prompt_tokens(11);
  const auto [want, got] = with_and_without(*llm, prompt, greedy(16), "sim:0", "device_removal@run=5");
  ASSERT_EQ(want.tokens.size(), 16u);
  expect_moved(got, "sim:0", "sim:1");
  EXPECT_EQ(got.status, genai::GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(got.tokens, want.tokens);
  EXPECT_EQ(got.stats.generated_tokens, 16u);
  EXPECT_EQ(device_of(*llm, 2), 1u);
  fmt::print("move to another device: {:.2f} ms for a context of {} tokens (host wall time)\n",
             std::chrono::duration<double, std::milli>(got.stats.recovery_time).count(), 11 + 2);

  // The removed device is out of the set: a new session goes to sim:1, and its fault-free run
  // there gives the same tokens. The moved session goes on with another turn.
  auto fresh = llm->create_session();
  ASSERT_TRUE(fresh.has_value()) << fresh.error().what();
  EXPECT_EQ(device_of(**fresh, 2), 1u);
  EXPECT_EQ(generate(**fresh, prompt, greedy(16)).tokens, want.tokens);
  const auto next = generate(*llm, prompt_tokens(3, 90), greedy(4));
  ASSERT_FALSE(next.error) << next.error->what();
  EXPECT_EQ(next.tokens.size(), 4u);
  EXPECT_TRUE(next.recoveries.empty());
}

TEST_F(LlmDeviceMoveTest, ARemovalDuringPrefillMovesToo) {
  auto llm = open();
  ASSERT_TRUE(llm);
  const auto [want, got] = with_and_without(*llm, prompt_tokens(20), greedy(6), "sim:0", "device_removal@run=2");
  expect_moved(got, "sim:0", "sim:1");
  EXPECT_EQ(got.tokens, want.tokens);
}

TEST_F(LlmDeviceMoveTest, SampledGenerationContinuesFromTheSameRandomState) {
  auto llm = open();
  ASSERT_TRUE(llm);
  genai::GeneratorParams p;
  p.temperature = 1.5f;
  p.top_k = 40;
  p.seed = 1234;
  p.ignore_end_tokens = true;
  p.max_generated_tokens = 20;
  const auto [want, got] = with_and_without(*llm, prompt_tokens(5), p, "sim:0", "device_removal@run=8");
  ASSERT_EQ(want.tokens.size(), 20u);
  expect_moved(got, "sim:0", "sim:1");
  EXPECT_EQ(got.tokens, want.tokens);
}

// Two sessions, one on each device, generating at once: sim:0 is removed under the first. It
// moves; the one on sim:1 neither fails nor rebuilds anything.
TEST_F(LlmDeviceMoveTest, ASessionOnTheSurvivingDeviceLosesNothing) {
  auto first = open();
  ASSERT_TRUE(first);
  auto second = first->create_session();
  ASSERT_TRUE(second.has_value()) << second.error().what();
  ASSERT_EQ(device_of(*first, 2), 0u);
  ASSERT_EQ(device_of(**second, 2), 1u);  // the device with more room
  std::vector<std::unique_ptr<genai::LLM>> sessions;
  sessions.push_back(std::move(first));
  sessions.push_back(std::move(*second));
  const std::vector<std::vector<genai::TokenId>> prompts{prompt_tokens(11, 30), prompt_tokens(9, 50)};
  std::vector<std::vector<genai::TokenId>> want;
  for (std::size_t i = 0; i < 2; ++i) {
    want.push_back(generate(*sessions[i], prompts[i], greedy(20)).tokens);
    ASSERT_EQ(want.back().size(), 20u);
    ASSERT_TRUE(sessions[i]->clear_context().has_value());
  }
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "device_removal@run=6").has_value());
  const auto got = generate_at_once(sessions, prompts, greedy(20));
  expect_moved(got[0], "sim:0", "sim:1");
  EXPECT_EQ(got[0].tokens, want[0]);
  ASSERT_FALSE(got[1].error) << got[1].error->what();
  EXPECT_EQ(got[1].tokens, want[1]);
  EXPECT_TRUE(got[1].recoveries.empty());
  EXPECT_EQ(got[1].stats.recoveries, 0u);
  EXPECT_EQ(device_of(*sessions[0], 2), 1u);
  EXPECT_EQ(device_of(*sessions[1], 2), 1u);
}

// With one device there is nowhere to go: the clear error of a removed device, as before.
TEST(LlmDeviceMove, AOneDeviceVDeviceStillEndsWithTheClearError) {
  auto tiny = compile_tiny("default", 22, "device_move_single.npk");
  auto vdevice = open_devices(1);
  ASSERT_TRUE(vdevice);
  auto llm = genai::LLM::create(*vdevice, {.model_path = tiny.path});
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  ASSERT_TRUE(hal::sim_control::set_faults("sim:0", "device_removal@run=5").has_value());
  auto gen = (*llm)->generate(prompt_tokens(11), greedy(16));
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  const auto got = drain(*gen);
  (void)hal::sim_control::set_faults("sim:0", "");
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code(), ErrorCode::kDeviceLost) << got.error->what();
  EXPECT_NE(got.error->message().find("device sim:0 is gone"), std::string::npos) << got.error->what();
  EXPECT_NE(got.error->message().find("reconnect it and open it again"), std::string::npos) << got.error->what();
  EXPECT_TRUE(got.recoveries.empty());
  EXPECT_EQ((*llm)->context_usage(), 0u);
}

}  // namespace
}  // namespace npu::test
