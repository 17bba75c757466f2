// genai::LLM over a multi-process VDevice: the same tokens as in-process, streaming, abort,
// context usage / clear / save / load, a second session, and cleanup when the session goes.
#include <fstream>

#include "npud_fixture.hpp"
#include "npud_llm_util.hpp"

namespace npu::test {
namespace {

TEST(NpudLlm, SessionOverNpudMatchesInProcess) {
  auto tiny = compile_tiny("default", 11, "npud_llm.npk");
  auto prompt = prompt_tokens(11);
  auto expected = generate_in_process(tiny.path, prompt, 6);
  ASSERT_EQ(expected.tokens.size(), 6u);

  NpudProcess npud;
  auto vdevice = remote_vdevice();
  ASSERT_TRUE(vdevice);
  auto llm = genai::LLM::create(*vdevice, {.model_path = tiny.path});
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  EXPECT_EQ((*llm)->info().context_length, 64u);
  EXPECT_EQ((*llm)->context_usage(), 0u);
  EXPECT_EQ(npud.status()["totals"].value("llm_sessions", 0), 1);

  auto gen = (*llm)->generate(prompt, greedy(6));
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  genai::GenerationStatus status{};
  EXPECT_EQ(drain_tokens(*gen, &status), expected.tokens);
  EXPECT_EQ(status, genai::GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(gen->stats().generated_tokens, 6u);
  // The context as in-process: the prompt and the generated tokens fed so far, the last pending.
  EXPECT_EQ((*llm)->context_usage(), expected.usage);
  EXPECT_EQ((*llm)->pending_token(), expected.pending);
  const auto used = (*llm)->context_usage();

  // Save, clear, load: the usage comes back.
  auto ctx = npud_temp("llm.ctx");
  ASSERT_TRUE((*llm)->save_context(ctx).has_value());
  ASSERT_TRUE((*llm)->clear_context().has_value());
  EXPECT_EQ((*llm)->context_usage(), 0u);
  ASSERT_TRUE((*llm)->load_context(ctx).has_value());
  EXPECT_EQ((*llm)->context_usage(), used);
  EXPECT_EQ((*llm)->pending_token(), expected.pending);
  auto garbage = npud_temp("garbage.ctx");
  std::ofstream(garbage) << "not a context";
  auto refused = (*llm)->load_context(garbage);
  ASSERT_FALSE(refused.has_value());

  // Prefill gives logits here; abort ends a long generation with kAborted.
  ASSERT_TRUE((*llm)->clear_context().has_value());
  auto pre = (*llm)->prefill(prompt);
  ASSERT_TRUE(pre.has_value()) << pre.error().what();
  EXPECT_EQ((*llm)->logits().size(), (*llm)->info().vocab);
  auto other = (*llm)->create_session();
  ASSERT_TRUE(other.has_value()) << other.error().what();
  auto long_gen = (*other)->generate(prompt, greedy(40));
  ASSERT_TRUE(long_gen.has_value());
  auto busy = (*other)->generate(prompt, greedy(2));
  EXPECT_FALSE(busy.has_value());
  long_gen->abort();
  drain_tokens(*long_gen, &status);
  EXPECT_EQ(status, genai::GenerationStatus::kAborted);
  other->reset();
  EXPECT_EQ(npud.status()["totals"].value("llm_sessions", 0), 1);
}

// A whole prompt (generate_cached, what generate(messages) sends): npud keeps the context's common
// prefix with it and reports how much over the wire; the tokens are a fresh in-process session's.
// So does a context file saved and loaded through npud, rewinding to a checkpoint it carries.
TEST(NpudLlm, WholePromptReusesTheContextInNpud) {
  auto tiny = compile_tiny("default", 11, "npud_llm_cache.npk");
  const auto prompt = prompt_tokens(11);
  auto whole = prompt;
  for (genai::TokenId t : prompt_tokens(4, 90)) whole.push_back(t);
  const auto expected = generate_in_process(tiny.path, whole, 5);
  ASSERT_EQ(expected.tokens.size(), 5u);

  NpudProcess npud;
  auto vdevice = remote_vdevice();
  ASSERT_TRUE(vdevice);
  auto llm = genai::LLM::create(*vdevice, {.model_path = tiny.path});
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  auto first = (*llm)->generate_cached(prompt, greedy(5));
  ASSERT_TRUE(first.has_value()) << first.error().what();
  (void)drain_tokens(*first);
  EXPECT_EQ(first->stats().cached_tokens, 0u);
  auto second = (*llm)->generate_cached(whole, greedy(5));
  ASSERT_TRUE(second.has_value()) << second.error().what();
  EXPECT_EQ(drain_tokens(*second), expected.tokens);
  EXPECT_EQ(second->stats().cached_tokens, 11u);  // the first prompt (its end is a checkpoint)
  EXPECT_EQ(second->stats().prompt_tokens, 4u);
  EXPECT_EQ((*llm)->context_usage(), expected.usage);
  EXPECT_EQ((*llm)->pending_token(), expected.pending);

  // The context saved through npud carries its checkpoints: a session that loads it and gets a
  // prompt sharing only the first prompt goes back to that prompt's checkpoint, inside the
  // loaded context, and generates what a fresh session does.
  const auto ctx = npud_temp("checkpoints.ctx");
  ASSERT_TRUE((*llm)->save_context(ctx).has_value());
  auto other = prompt;
  for (genai::TokenId t : prompt_tokens(3, 150)) other.push_back(t);
  const auto other_expected = generate_in_process(tiny.path, other, 5);
  auto loaded = (*llm)->create_session();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().what();
  ASSERT_TRUE((*loaded)->load_context(ctx).has_value());
  EXPECT_EQ((*loaded)->context_usage(), expected.usage);
  auto third = (*loaded)->generate_cached(other, greedy(5));
  ASSERT_TRUE(third.has_value()) << third.error().what();
  EXPECT_EQ(drain_tokens(*third), other_expected.tokens);
  EXPECT_EQ(third->stats().cached_tokens, 11u);
  EXPECT_EQ(third->stats().prompt_tokens, 3u);
  std::filesystem::remove(ctx);
}

TEST(NpudLlm, DaemonKilledGivesDeviceLost) {
  auto tiny = compile_tiny("default", 11, "npud_llm_kill.npk");
  NpudProcess npud;
  auto vdevice = remote_vdevice();
  ASSERT_TRUE(vdevice);
  auto llm = genai::LLM::create(*vdevice, {.model_path = tiny.path});
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  npud.stop(SIGKILL);
  auto gen = (*llm)->generate(prompt_tokens(5), greedy(5));
  ASSERT_FALSE(gen.has_value());
  EXPECT_EQ(gen.error().code(), ErrorCode::kDeviceLost);
  EXPECT_NE(gen.error().message().find("is not running"), std::string::npos) << gen.error().what();
  auto pre = (*llm)->prefill(prompt_tokens(3));
  ASSERT_FALSE(pre.has_value());
  EXPECT_EQ(pre.error().code(), ErrorCode::kDeviceLost);
}

// What a client reads from a generation through npud: the tokens and the recovery notices (the
// event's text, and its warning: the cause).
struct Streamed {
  std::vector<genai::TokenId> tokens;
  std::vector<std::string> notices, causes;
  genai::GenerationStats stats;
};

Streamed read_through(genai::Generator& gen) {  // to its end
  Streamed r;
  while (true) {
    auto out = gen.read(std::chrono::seconds(30));
    EXPECT_TRUE(out.has_value()) << out.error().what();
    if (!out) return r;
    if (out->kind == genai::OutputKind::kEnd) {
      EXPECT_EQ(out->status, genai::GenerationStatus::kMaxTokensReached);
      r.stats = gen.stats();
      return r;
    }
    if (out->kind == genai::OutputKind::kRecovery) {
      r.notices.push_back(out->text);
      r.causes.push_back(out->warning);
    } else if (out->token >= 0) {
      r.tokens.push_back(out->token);
    }
  }
}

// A session of `model` on the VDevice generates `n` greedy tokens after `prompt`.
Streamed generate_through(VDevice& vdevice, const std::filesystem::path& model, std::span<const genai::TokenId> prompt,
                          std::uint32_t n) {
  auto llm = genai::LLM::create(vdevice, {.model_path = model});
  EXPECT_TRUE(llm.has_value()) << llm.error().what();
  if (!llm) return {};
  auto gen = (*llm)->generate(prompt, greedy(n));
  EXPECT_TRUE(gen.has_value()) << gen.error().what();
  return gen ? read_through(*gen) : Streamed{};
}

// A device reset inside npud (the fault plan is npud's: NPU_SIM_FAULTS in its environment): the
// session there rebuilds its context, the client reads a kRecovery event and the tokens of a run
// without the fault, and the recovery is counted in the stats that cross the wire.
TEST(NpudLlm, SessionRecoversFromADeviceResetInsideNpud) {
  auto tiny = compile_tiny("default", 13, "npud_recovery.npk");
  auto prompt = prompt_tokens(11);
  auto expected = generate_in_process(tiny.path, prompt, 12);
  ASSERT_EQ(expected.tokens.size(), 12u);

  ::setenv("NPU_SIM_FAULTS", "firmware_crash@run=6", 1);  // 2 prefill runs, then the 4th token
  NpudProcess npud;
  ::unsetenv("NPU_SIM_FAULTS");
  auto vdevice = remote_vdevice();
  ASSERT_TRUE(vdevice);
  const auto got = generate_through(*vdevice, tiny.path, prompt, 12);
  EXPECT_EQ(got.tokens, expected.tokens);
  ASSERT_EQ(got.notices.size(), 1u);
  EXPECT_NE(got.notices[0].find("the session recovered in"), std::string::npos) << got.notices[0];
  EXPECT_NE(got.causes[0].find("crashed"), std::string::npos) << got.causes[0];
  EXPECT_EQ(got.stats.recoveries, 1u);
  EXPECT_GT(got.stats.recovery_time.count(), 0);
}

// npud with two devices (one VDevice group holds both): the device a session lives on is removed
// mid-generation (the fault names sim:0 only); the session moves to sim:1 inside npud and the
// client reads the move's notice and the tokens of a run without the fault.
TEST(NpudLlm, SessionMovesOffARemovedDeviceInsideNpud) {
  auto tiny = compile_tiny("default", 14, "npud_move.npk");
  auto prompt = prompt_tokens(11);
  auto expected = generate_in_process(tiny.path, prompt, 12);
  ASSERT_EQ(expected.tokens.size(), 12u);

  ::setenv("NPU_SIM_FAULTS", "device_removal@run=6/sim:0", 1);
  NpudProcess npud("all", 2);
  ::unsetenv("NPU_SIM_FAULTS");
  auto vdevice = remote_vdevice();
  ASSERT_TRUE(vdevice);
  ASSERT_EQ(vdevice->device_count(), 2u);
  const auto got = generate_through(*vdevice, tiny.path, prompt, 12);
  EXPECT_EQ(got.tokens, expected.tokens);
  ASSERT_EQ(got.notices.size(), 1u);
  EXPECT_NE(got.notices[0].find("device sim:0 was removed; the session moved to device sim:1"), std::string::npos)
      << got.notices[0];
  EXPECT_EQ(got.stats.recoveries, 1u);
  // sim:0 is out of the group's VDevice: a new session is made on sim:1 and gives the same tokens.
  const auto fresh = generate_through(*vdevice, tiny.path, prompt, 12);
  EXPECT_EQ(fresh.tokens, expected.tokens);
  EXPECT_TRUE(fresh.notices.empty());
}

}  // namespace
}  // namespace npu::test
