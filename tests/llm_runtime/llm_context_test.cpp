// Context save / load / clear through the whole stack, and refusal of foreign or damaged files.
#include <fstream>

#include "llm_fixture.hpp"

namespace npu::test {
namespace {

class LlmContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new TinyLlm(compile_tiny("default", 11, "ctx_a.npk"));
    b_ = new TinyLlm(compile_tiny("default", 12, "ctx_b.npk"));
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
  }
  void SetUp() override {
    auto v = VDevice::create();
    ASSERT_TRUE(v.has_value()) << v.error().what();
    vdevice_ = std::move(*v);
  }
  std::unique_ptr<genai::LLM> open(const TinyLlm& m) {
    auto llm = genai::LLM::create(*vdevice_, {.model_path = m.path});
    EXPECT_TRUE(llm.has_value()) << llm.error().what();
    return llm ? std::move(*llm) : nullptr;
  }
  std::vector<genai::TokenId> run(genai::LLM& llm, std::span<const genai::TokenId> prompt, std::uint32_t n) {
    auto gen = llm.generate(prompt, greedy(n));
    EXPECT_TRUE(gen.has_value()) << gen.error().what();
    return gen ? drain_tokens(*gen) : std::vector<genai::TokenId>{};
  }

  static TinyLlm *a_, *b_;
  std::unique_ptr<VDevice> vdevice_;
};
TinyLlm* LlmContextTest::a_ = nullptr;
TinyLlm* LlmContextTest::b_ = nullptr;

TEST_F(LlmContextTest, SaveLoadRoundTripContinuesIdentically) {
  auto llm = open(*a_);
  ASSERT_TRUE(llm);
  run(*llm, prompt_tokens(13), 6);
  auto path = llm_temp("round_trip.ctx");
  ASSERT_TRUE(llm->save_context(path).has_value());
  const auto used = llm->context_usage();
  auto next = prompt_tokens(3, 50);
  auto continued = run(*llm, next, 8);

  auto fresh = llm->create_session();
  ASSERT_TRUE(fresh.has_value());
  ASSERT_TRUE((*fresh)->load_context(path).has_value());
  EXPECT_EQ((*fresh)->context_usage(), used);
  EXPECT_EQ(run(**fresh, next, 8), continued);

  // Clearing forgets it: the same continuation from an empty context differs in usage.
  ASSERT_TRUE((*fresh)->clear_context().has_value());
  EXPECT_EQ((*fresh)->context_usage(), 0u);
}

TEST_F(LlmContextTest, ClearedSessionStartsOverLikeANewOne) {
  auto llm = open(*a_);
  ASSERT_TRUE(llm);
  auto first = run(*llm, prompt_tokens(10), 6);
  ASSERT_TRUE(llm->clear_context().has_value());
  EXPECT_EQ(run(*llm, prompt_tokens(10), 6), first);  // conv state reset at position 0
}

TEST_F(LlmContextTest, ContextOfAnotherModelIsRefusedNamingBoth) {
  auto la = open(*a_);
  auto lb = open(*b_);
  ASSERT_TRUE(la && lb);
  run(*la, prompt_tokens(5), 2);
  auto path = llm_temp("model_a.ctx");
  ASSERT_TRUE(la->save_context(path).has_value());
  auto loaded = lb->load_context(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(loaded.error().message().find(la->info().name), std::string::npos) << loaded.error().message();
  EXPECT_NE(loaded.error().message().find(lb->info().name), std::string::npos) << loaded.error().message();
  EXPECT_EQ(lb->context_usage(), 0u);
}

TEST_F(LlmContextTest, DamagedContextFileIsRefused) {
  auto llm = open(*a_);
  ASSERT_TRUE(llm);
  run(*llm, prompt_tokens(5), 2);
  auto path = llm_temp("damaged.ctx");
  ASSERT_TRUE(llm->save_context(path).has_value());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(80);
    f.put('\x5a');
  }
  auto loaded = llm->load_context(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kBadFormat);
  std::filesystem::resize_file(path, 20);
  EXPECT_EQ(llm->load_context(path).error().code(), ErrorCode::kBadFormat);
  EXPECT_FALSE(llm->load_context(llm_temp("missing.ctx")).has_value());
}

}  // namespace
}  // namespace npu::test
