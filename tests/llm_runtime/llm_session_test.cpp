// genai::LLM through the whole stack (runtime -> driver -> hal -> simulated device) on tiny LFM2
// models compiled here, checked against the compiler's bit-exact emulation of the same programs.
#include <algorithm>
#include <thread>

#include "llm_fixture.hpp"
#include "local/llm/prefill_plan.hpp"

namespace npu::test {
namespace {

using genai::GenerationStatus;
using genai::OutputKind;

class LlmSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new TinyLlm(compile_tiny("default", 11, "tiny_default.npk"));
  }
  static void TearDownTestSuite() { delete model_; }

  void SetUp() override {
    auto v = VDevice::create();
    ASSERT_TRUE(v.has_value()) << v.error().what();
    vdevice_ = std::move(*v);
    auto llm = genai::LLM::create(*vdevice_, {.model_path = model_->path});
    ASSERT_TRUE(llm.has_value()) << llm.error().what();
    llm_ = std::move(*llm);
  }

  // Greedy tokens of the emulation, driving it like the runtime: remainder chunk first.
  static std::vector<genai::TokenId> emulated_greedy(std::span<const genai::TokenId> prompt, std::size_t n) {
    auto emu = compiler::llm::LlmEmulation::create(model_->compiled);
    EXPECT_TRUE(emu.has_value()) << emu.error().what();
    std::size_t offset = 0;
    for (auto run : genai::detail::plan_prefill_chunks(static_cast<std::uint32_t>(prompt.size()), 8)) {
      EXPECT_TRUE(emu->prefill(prompt.subspan(offset, run)).has_value());
      offset += run;
    }
    std::vector<genai::TokenId> out{emu->next_token()};
    while (out.size() < n) {
      EXPECT_TRUE(emu->step(out.back()).has_value());
      out.push_back(emu->next_token());
    }
    return out;
  }

  static TinyLlm* model_;
  std::unique_ptr<VDevice> vdevice_;
  std::unique_ptr<genai::LLM> llm_;
};
TinyLlm* LlmSessionTest::model_ = nullptr;

TEST_F(LlmSessionTest, GreedyGenerationEqualsTheCompilersEmulation) {
  auto prompt = prompt_tokens(19);  // chunks 3 + 8 + 8
  auto gen = llm_->generate(prompt, greedy(12));
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  GenerationStatus status{};
  auto tokens = drain_tokens(*gen, &status);
  EXPECT_EQ(status, GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(tokens, emulated_greedy(prompt, 12));
  auto stats = gen->stats();
  EXPECT_EQ(stats.prompt_tokens, 19u);
  EXPECT_EQ(stats.prefill_runs, 3u);
  EXPECT_EQ(stats.tbt_runs, 11u);
  EXPECT_GT(stats.device_ttft.count(), 0);
  EXPECT_GT(stats.device_decode_tokens_per_s(), 0.0);
  // 19 prompt tokens and 11 generated ones fed; the 12th is pending for the next turn.
  EXPECT_EQ(llm_->context_usage(), 30u);
}

TEST_F(LlmSessionTest, ChunkedPrefillGivesTheLogitsOfTokenByToken) {
  auto prompt = prompt_tokens(21);  // remainder 5, then two full chunks
  ASSERT_TRUE(llm_->prefill(prompt, genai::PrefillMode::kChunked).has_value());
  std::vector<float> chunked(llm_->logits().begin(), llm_->logits().end());
  auto other = llm_->create_session();
  ASSERT_TRUE(other.has_value()) << other.error().what();
  ASSERT_TRUE((*other)->prefill(prompt, genai::PrefillMode::kTokenByToken).has_value());
  std::vector<float> by_token((*other)->logits().begin(), (*other)->logits().end());
  ASSERT_EQ(chunked.size(), 300u);
  EXPECT_EQ(chunked, by_token);
  EXPECT_NE(*std::max_element(chunked.begin(), chunked.end()), *std::min_element(chunked.begin(), chunked.end()));
}

TEST_F(LlmSessionTest, StopTokenEndsGenerationBeforeIt) {
  auto prompt = prompt_tokens(9);
  auto ref = emulated_greedy(prompt, 12);
  std::size_t i = 1;  // the first token that did not occur before it
  while (i < ref.size() && std::find(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(i), ref[i]) != ref.begin() + static_cast<std::ptrdiff_t>(i)) ++i;
  ASSERT_LT(i, ref.size()) << "the tiny model repeats one token; pick another seed";
  auto params = greedy(12);
  params.stop_tokens = {ref[i]};
  auto gen = llm_->generate(prompt, params);
  ASSERT_TRUE(gen.has_value());
  GenerationStatus status{};
  auto tokens = drain_tokens(*gen, &status);
  EXPECT_EQ(status, GenerationStatus::kLogicalEnd);
  EXPECT_EQ(tokens, std::vector<genai::TokenId>(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(i)));
}

TEST_F(LlmSessionTest, AbortStopsAnUnlimitedGeneration) {
  // A context of 1024 positions, not the fixture's 64: the generation goes on while this thread
  // reads its first token and aborts, and on a loaded machine a thread can wait longer than 60
  // tiny decode steps for a core (the full context, not the abort, then ended it).
  const TinyLlm long_context = compile_tiny("default", 11, "tiny_default_1024.npk", {}, 1024);
  auto llm = genai::LLM::create(*vdevice_, {.model_path = long_context.path});
  ASSERT_TRUE(llm.has_value()) << llm.error().what();
  genai::GeneratorParams params;
  params.greedy = true;
  params.ignore_end_tokens = true;  // no limit: only abort (or the full context) ends it
  auto gen = (*llm)->generate(prompt_tokens(4), params);
  ASSERT_TRUE(gen.has_value());
  auto first = gen->read(std::chrono::seconds(30));
  ASSERT_TRUE(first.has_value()) << first.error().what();
  gen->abort();
  GenerationStatus status{};
  auto rest = drain_tokens(*gen, &status);
  EXPECT_EQ(status, GenerationStatus::kAborted);
  EXPECT_EQ(gen->status(), GenerationStatus::kAborted);
  EXPECT_LT(rest.size() + 1, 1000u);
  // After the end, reads keep returning the end.
  auto again = gen->read(std::chrono::milliseconds(0));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->kind, OutputKind::kEnd);
}

TEST_F(LlmSessionTest, ReadTimesOutWhileTheDeviceIsBusyAndGenerationGoesOn) {
  // A zero timeout right after generate(): three prefill runs through the scheduler, DMA and the
  // device cannot have finished yet.
  auto gen = llm_->generate(prompt_tokens(24), greedy(3));
  ASSERT_TRUE(gen.has_value());
  auto early = gen->read(std::chrono::milliseconds(0));
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(drain_tokens(*gen).size(), 3u);
}

TEST_F(LlmSessionTest, PromptLongerThanTheContextIsRefusedWithBothLengths) {
  auto gen = llm_->generate(prompt_tokens(65), greedy(1));
  ASSERT_FALSE(gen.has_value());
  EXPECT_EQ(gen.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(gen.error().message().find("65"), std::string::npos) << gen.error().message();
  EXPECT_NE(gen.error().message().find("64"), std::string::npos) << gen.error().message();
  EXPECT_EQ(llm_->context_usage(), 0u);
}

TEST_F(LlmSessionTest, GenerationStopsWhenTheContextIsFull) {
  auto gen = llm_->generate(prompt_tokens(60), greedy(100));
  ASSERT_TRUE(gen.has_value());
  GenerationStatus status{};
  auto tokens = drain_tokens(*gen, &status);
  EXPECT_EQ(status, GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(tokens.size(), 5u);  // 60 + 4 fed = 64 positions, the 5th token is pending
  EXPECT_EQ(llm_->context_usage(), 64u);
}

TEST_F(LlmSessionTest, TwoInterleavedSessionsGiveTheTokensOfEachAlone) {
  auto pa = prompt_tokens(11, 30), pb = prompt_tokens(17, 45);
  auto ref_a = emulated_greedy(pa, 10), ref_b = emulated_greedy(pb, 10);
  auto other = llm_->create_session();
  ASSERT_TRUE(other.has_value());
  auto ga = llm_->generate(pa, greedy(10));
  auto gb = (*other)->generate(pb, greedy(10));
  ASSERT_TRUE(ga.has_value() && gb.has_value());
  EXPECT_EQ(drain_tokens(*ga), ref_a);
  EXPECT_EQ(drain_tokens(*gb), ref_b);
}

TEST_F(LlmSessionTest, SecondGenerateWhileRunningIsBusy) {
  genai::GeneratorParams params;
  params.greedy = true;
  params.ignore_end_tokens = true;
  auto gen = llm_->generate(prompt_tokens(4), params);
  ASSERT_TRUE(gen.has_value());
  auto second = llm_->generate(prompt_tokens(4), greedy(1));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), ErrorCode::kBusy);
  gen->abort();
}

TEST_F(LlmSessionTest, SamplingWithASeedIsReproducible) {
  genai::GeneratorParams params;
  params.temperature = 0.8f;
  params.top_k = 20;
  params.seed = 42;
  params.ignore_end_tokens = true;
  params.max_generated_tokens = 8;
  params.return_logits = true;
  auto g1 = llm_->generate(prompt_tokens(5), params);
  ASSERT_TRUE(g1.has_value());
  auto t1 = drain_tokens(*g1);
  ASSERT_TRUE(llm_->clear_context().has_value());
  auto g2 = llm_->generate(prompt_tokens(5), params);
  ASSERT_TRUE(g2.has_value());
  auto first = g2->read(std::chrono::seconds(30));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->logits.size(), 300u);
  auto t2 = drain_tokens(*g2);
  t2.insert(t2.begin(), first->token);
  EXPECT_EQ(t1, t2);
  EXPECT_EQ(t1.size(), 8u);
}

// The public header promises a reproducible default seed: two generations with sampling on and
// no seed give the same tokens.
TEST_F(LlmSessionTest, SamplingWithTheDefaultSeedIsReproducible) {
  genai::GeneratorParams params;
  params.temperature = 1.0f;
  params.ignore_end_tokens = true;
  params.max_generated_tokens = 12;
  auto g1 = llm_->generate(prompt_tokens(5), params);
  ASSERT_TRUE(g1.has_value());
  auto t1 = drain_tokens(*g1);
  ASSERT_TRUE(llm_->clear_context().has_value());
  auto g2 = llm_->generate(prompt_tokens(5), params);
  ASSERT_TRUE(g2.has_value());
  auto t2 = drain_tokens(*g2);
  EXPECT_EQ(t1, t2);
  EXPECT_EQ(t1.size(), 12u);
  // A session of its own (another sampler, created later) draws the same tokens too.
  auto other = llm_->create_session();
  ASSERT_TRUE(other.has_value());
  auto g3 = (*other)->generate(prompt_tokens(5), params);
  ASSERT_TRUE(g3.has_value());
  EXPECT_EQ(drain_tokens(*g3), t1);
  // And a different seed draws differently (the tiny model's logits are spread enough).
  params.seed = genai::kDefaultSeed + 1;
  ASSERT_TRUE(llm_->clear_context().has_value());
  auto g4 = llm_->generate(prompt_tokens(5), params);
  ASSERT_TRUE(g4.has_value());
  EXPECT_NE(drain_tokens(*g4), t1);
}

}  // namespace
}  // namespace npu::test
