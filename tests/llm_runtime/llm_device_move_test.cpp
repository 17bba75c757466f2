// Sessions that survive a removed device: in a VDevice of two simulated devices, a session whose
// device disappears mid-generation moves to the other device, rebuilds its context there by
// replaying what it had seen (the reset-recovery path) and finishes with the tokens of a run
// without the fault; the caller sees a kRecovery notice naming the move. A session on the
// surviving device loses nothing; the removed device takes no more work; with no room on the
// other device the session ends with a clear error. The fault campaign of llm_recovery_test.cpp
// runs here too, with a removal among its faults.
#include <cstdlib>
#include <fstream>
#include <random>

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

// A greedy generation of 16 tokens after 11 prompt tokens, sim:0 removed at its 5th run.
Outcome generate_removing_sim0(genai::LLM& llm) {
  EXPECT_TRUE(hal::sim_control::set_faults("sim:0", "device_removal@run=5").has_value());
  auto gen = llm.generate(prompt_tokens(11), greedy(16));
  EXPECT_TRUE(gen.has_value()) << gen.error().what();
  auto got = gen ? drain(*gen) : Outcome{};
  (void)hal::sim_control::set_faults("sim:0", "");
  return got;
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
  auto reopened = open();  // the model opened again: its weights go to the remaining device only
  ASSERT_TRUE(reopened);
  EXPECT_EQ(device_of(*reopened, 2), 1u);
  // The VDevice keeps its indices; the removed device answers no more.
  EXPECT_EQ(vdevice_->device_count(), 2u);
  auto gone = vdevice_->stats(0);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code(), ErrorCode::kDeviceLost) << gone.error().what();
  EXPECT_TRUE(vdevice_->stats(1).has_value());
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
  const auto [want, got] = with_and_without(*llm, prompt_tokens(5), seeded_sampling(), "sim:0", "device_removal@run=8");
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

// The fault campaign of llm_recovery_test.cpp over two devices, with a removal among its faults:
// three sessions at once (two on sim:0, one on sim:1), seeded random resets on both devices and
// one device removed at a random run. Each session finishes token-identical to its fault-free
// run (those on the removed device move); none fails or hangs. A fresh VDevice per seed (a
// removed device stays out of its VDevice).
TEST_F(LlmDeviceMoveTest, FaultCampaignWithARemovalAndASpareDevice) {
  constexpr std::size_t kSessions = 3;
  constexpr std::uint32_t kTokens = 24;
  std::vector<std::vector<genai::TokenId>> prompts, want;
  {
    auto base = open();
    ASSERT_TRUE(base);
    for (std::size_t i = 0; i < kSessions; ++i) {
      prompts.push_back(prompt_tokens(5 + 4 * i, 25 + 10 * static_cast<std::int32_t>(i)));
      want.push_back(generate(*base, prompts.back(), greedy(kTokens)).tokens);
      ASSERT_EQ(want.back().size(), kTokens);
      ASSERT_TRUE(base->clear_context().has_value());
    }
  }
  RecoveryTally tally;
  std::uint32_t moves = 0;
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    vdevice_.reset();
    vdevice_ = open_devices(2);
    ASSERT_TRUE(vdevice_);
    auto base = open();
    ASSERT_TRUE(base);
    std::vector<std::unique_ptr<genai::LLM>> sessions;
    sessions.push_back(std::move(base));
    for (std::size_t i = 1; i < kSessions; ++i) {
      auto s = sessions[0]->create_session();
      ASSERT_TRUE(s.has_value()) << s.error().what();
      sessions.push_back(std::move(*s));
    }
    ASSERT_EQ(device_of(*sessions[1], 2), 1u);  // spread by free memory: sim:0, sim:1, sim:0
    std::mt19937 rng(seed);
    // Runs per device: about (sessions there) * (kTokens + 2); DMA transfers a few per run.
    std::string plans[2] = {random_reset_faults(rng, 2, 50, 140), random_reset_faults(rng, 2, 25, 70)};
    const std::size_t removed = rng() % 2;
    plans[removed] += fmt::format(",device_removal@run={}", 1 + rng() % (removed == 0 ? 45u : 20u));
    SCOPED_TRACE(fmt::format("seed {}: sim:0 {}; sim:1 {}", seed, plans[0], plans[1]));
    for (std::size_t d = 0; d < 2; ++d) {
      ASSERT_TRUE(hal::sim_control::set_faults(fmt::format("sim:{}", d), plans[d]).has_value());
    }
    const auto got = generate_at_once(sessions, prompts, greedy(kTokens));
    for (std::size_t i = 0; i < kSessions; ++i) {
      ASSERT_FALSE(got[i].error) << "session " << i << ": " << got[i].error->what();
      EXPECT_EQ(got[i].tokens, want[i]) << "session " << i;
      EXPECT_EQ(device_of(*sessions[i], 2), 1 - removed) << "session " << i;
      tally.add(got[i].stats);
      for (const auto& notice : got[i].recoveries) moves += notice.find("the session moved to") != std::string::npos;
    }
  }
  EXPECT_GE(moves, 3u);  // at least one session moved in each campaign
  fmt::print("fault campaign with a removal: {}, {} of them moves\n", tally.summary(), moves);
}

// With one device there is nowhere to go: the clear error of a removed device, as before.
TEST(LlmDeviceMove, AOneDeviceVDeviceStillEndsWithTheClearError) {
  auto tiny = compile_tiny("default", 22, "device_move_single.npk");
  auto vdevice = open_devices(1);
  ASSERT_TRUE(vdevice);
  auto llm = genai::LLM::create(*vdevice, {.model_path = tiny.path});
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  const auto got = generate_removing_sim0(**llm);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code(), ErrorCode::kDeviceLost) << got.error->what();
  EXPECT_NE(got.error->message().find("device sim:0 is gone"), std::string::npos) << got.error->what();
  EXPECT_NE(got.error->message().find("reconnect it and open it again"), std::string::npos) << got.error->what();
  EXPECT_TRUE(got.recoveries.empty());
  EXPECT_EQ((*llm)->context_usage(), 0u);
}

}  // namespace
}  // namespace npu::test

namespace npu::test {
namespace {

constexpr std::uint64_t kMiB = 1u << 20;

// Two devices with room for the model and one session each, not two: a session whose device is
// removed has nowhere with room to go, and says so. The room is measured on full-size simulated
// devices first, then the devices are made that small (a device profile with less DDR).
TEST(LlmDeviceMove, NoRoomOnTheOtherDeviceEndsWithAClearError) {
  auto tiny = compile_tiny("default", 23, "device_move_room.npk", {}, 16384);  // about 4 MiB a session
  std::uint64_t ddr = 0, at_boot = 0, one = 0, two = 0;
  {
    auto v = open_devices(1);
    ASSERT_TRUE(v);
    ddr = v->identity(0).ddr_bytes;
    at_boot = v->stats(0)->device_memory_free;
    auto llm = genai::LLM::create(*v, {.model_path = tiny.path});
    ASSERT_TRUE(llm.has_value()) << llm.error().what();
    one = v->stats(0)->device_memory_free;
    auto second = (*llm)->create_session();
    ASSERT_TRUE(second.has_value()) << second.error().what();
    two = v->stats(0)->device_memory_free;
  }
  const std::uint64_t reserved = ddr - at_boot, model_and_session = at_boot - one, session = one - two;
  // Room for the model and one and a half sessions (the device's DDR size is whole MiB).
  const std::uint64_t small = (reserved + model_and_session + session / 2) / kMiB * kMiB;
  ASSERT_GE(small, reserved + model_and_session);
  ASSERT_LT(small, reserved + model_and_session + session);
  const auto profile = llm_temp("small_ddr.json");
  std::ofstream(profile) << fmt::format(
      R"({{"name": "small-ddr", "description": "hailo10h with {} MiB of DDR", "base": "hailo10h",
          "params": {{"ddr_bytes": {{"value": {}, "why": "room for one session of the test model"}}}}}})",
      small / kMiB, small);

  auto vdevice = open_devices(2, profile.string());
  ASSERT_TRUE(vdevice);
  auto first = genai::LLM::create(*vdevice, {.model_path = tiny.path});
  ASSERT_TRUE(first.has_value()) << first.error().what();
  auto second = (*first)->create_session();
  ASSERT_TRUE(second.has_value()) << second.error().what();
  ASSERT_EQ(device_of(**first, 2), 0u);
  ASSERT_EQ(device_of(**second, 2), 1u);
  auto third = (*first)->create_session();  // the devices are full
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code(), ErrorCode::kOutOfMemory) << third.error().what();
  EXPECT_NE(third.error().message().find("no room for a session"), std::string::npos) << third.error().what();

  const auto got = generate_removing_sim0(**first);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code(), ErrorCode::kOutOfMemory) << got.error->what();
  for (const char* says : {"device sim:0 was removed and this session could not move",
                           "no room for a session of model", "on sim:1", "close other sessions or models there"}) {
    EXPECT_NE(got.error->message().find(says), std::string::npos) << says << " in: " << got.error->what();
  }
  EXPECT_EQ(got.status, genai::GenerationStatus::kFailed);
  EXPECT_TRUE(got.recoveries.empty());
  EXPECT_EQ((*first)->context_usage(), 0u);  // dropped, not half-valid
  // The session on sim:1 is untouched and still generates.
  auto other = (*second)->generate(prompt_tokens(7), greedy(4));
  ASSERT_TRUE(other.has_value()) << other.error().what();
  const auto fine = drain(*other);
  ASSERT_FALSE(fine.error) << fine.error->what();
  EXPECT_EQ(fine.tokens.size(), 4u);
  std::filesystem::remove(profile);
}

}  // namespace
}  // namespace npu::test
