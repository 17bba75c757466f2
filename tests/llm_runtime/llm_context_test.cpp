// Context save / load / clear through the whole stack, and refusal of foreign or damaged files;
// the context file format itself (checkpoint table, versions) on its own.
#include <cstring>
#include <fstream>

#include "llm_fixture.hpp"
#include "local/llm/context_file.hpp"
#include "npu/common/checksum.hpp"

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

// A context file holds the KV cache's bytes as the model's cache type lays them out (int8 with its
// scales under the default policy): the same weights compiled with an fp32 cache are another model
// (the package fingerprint covers the metadata, which records the cache type), so the file is
// refused rather than read as fp32.
TEST_F(LlmContextTest, ContextOfTheSameWeightsWithAnotherKvCacheTypeIsRefused) {
  EXPECT_EQ(a_->compiled.policy.kv_cache, compiler::llm::KvCacheType::kInt8);
  const auto policy = llm_temp("fp32_kv_policy.json");
  std::ofstream(policy) << R"({"base": "default", "kv_cache": "fp32"})";
  const TinyLlm fp32_kv = compile_tiny(policy.string(), 11, "ctx_a_fp32_kv.npk");
  ASSERT_EQ(fp32_kv.compiled.weights, a_->compiled.weights);
  ASSERT_GT(fp32_kv.compiled.layout.segments.state, a_->compiled.layout.segments.state);
  auto la = open(*a_);
  auto lf = open(fp32_kv);
  ASSERT_TRUE(la && lf);
  run(*la, prompt_tokens(5), 2);
  auto path = llm_temp("int8_kv.ctx");
  ASSERT_TRUE(la->save_context(path).has_value());
  auto loaded = lf->load_context(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(loaded.error().message().find(fp32_kv.path.string()), std::string::npos) << loaded.error().message();
  EXPECT_EQ(lf->context_usage(), 0u);
  auto again = open(*a_);  // while a session of the int8-cache model takes it
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->load_context(path).has_value());
  std::filesystem::remove(policy);
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

// A checkpoint that does not fit the model's recurrent state is refused when loaded, naming the
// file and the checkpoint; the session keeps its context.
TEST_F(LlmContextTest, ACheckpointThatDoesNotFitTheModelIsRefused) {
  auto llm = open(*a_);
  ASSERT_TRUE(llm);
  run(*llm, prompt_tokens(6), 3);
  const auto path = llm_temp("bad_checkpoint.ctx");
  ASSERT_TRUE(llm->save_context(path).has_value());
  auto saved = genai::detail::read_context_file(path);
  ASSERT_TRUE(saved.has_value()) << saved.error().what();
  ASSERT_EQ(saved->checkpoints.size(), 1u);  // the end of the prompt (the state is the end)
  EXPECT_EQ(saved->checkpoints[0].position, 6u);
  saved->checkpoints[0].recurrent.resize(saved->checkpoints[0].recurrent.size() - 4);
  ASSERT_TRUE(genai::detail::write_context_file(path, *saved).has_value());
  auto other = open(*a_);
  ASSERT_TRUE(other);
  run(*other, prompt_tokens(2, 50), 1);
  auto loaded = other->load_context(path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(loaded.error().message().find(path.string()), std::string::npos) << loaded.error().message();
  EXPECT_NE(loaded.error().message().find("checkpoint at 6 tokens"), std::string::npos) << loaded.error().message();
  EXPECT_EQ(other->context_usage(), 2u);
  std::filesystem::remove(path);
}

namespace ctx = genai::detail;

ctx::SavedContext two_checkpoints() {
  ctx::SavedContext c;
  c.model_name = "tiny";
  c.model_fingerprint = 0x1234;
  c.context_length = 256;
  c.history = {1, 20, 21, 22, 23, 24};
  c.pending = 7;
  c.state.assign(64, std::byte{0x11});
  c.checkpoints = {{2, std::vector<std::byte>(16, std::byte{0x22})}, {4, std::vector<std::byte>(16, std::byte{0x33})}};
  return c;
}

// Stamps the checksum of the body into the header, so that a test reaches the checks behind it.
std::vector<std::byte> restamped(std::vector<std::byte> file) {
  const std::uint32_t crc = crc32(std::span<const std::byte>(file).subspan(sizeof(ctx::ContextFileHeader)));
  std::memcpy(file.data() + offsetof(ctx::ContextFileHeader, crc32), &crc, sizeof crc);
  return file;
}

std::string parse_error(const std::vector<std::byte>& file) {
  auto parsed = ctx::parse_context_file(file, "c.ctx");
  if (parsed) return "(parsed)";
  EXPECT_EQ(parsed.error().code(), ErrorCode::kBadFormat);
  return parsed.error().message();
}

TEST(ContextFile, CheckpointsRoundTrip) {
  const auto c = two_checkpoints();
  auto parsed = ctx::parse_context_file(ctx::serialize_context(c), "c.ctx");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().what();
  EXPECT_EQ(*parsed, c);
}

TEST(ContextFile, ADamagedCheckpointTableIsAClearError) {
  const auto file = ctx::serialize_context(two_checkpoints());
  const std::size_t table = sizeof(ctx::ContextFileHeader) + 4 + 6 * 4 + 64;  // name, history, state
  auto at = [](std::vector<std::byte> f, std::size_t offset, std::uint64_t value, std::size_t bytes) {
    std::memcpy(f.data() + offset, &value, bytes);
    return restamped(std::move(f));
  };
  // Cut inside the second checkpoint's bytes, inside its record, and one byte too many.
  auto cut = file;
  cut.resize(file.size() - 3);
  EXPECT_NE(parse_error(restamped(cut)).find("checkpoint 2 announces 16 bytes, 13 are left"), std::string::npos);
  cut.resize(table + 16 + 16 + 8);
  EXPECT_NE(parse_error(restamped(cut)).find("checkpoint 2 of 2 is cut off"), std::string::npos);
  auto longer = file;
  longer.push_back(std::byte{0});
  EXPECT_NE(parse_error(restamped(longer)).find("1 bytes follow the last checkpoint"), std::string::npos);
  // More checkpoints announced than present; positions out of order, at 0, past the history.
  EXPECT_NE(parse_error(at(file, offsetof(ctx::ContextFileHeader, checkpoint_count), 3, 4)).find("checkpoint 3 of 3 is cut off"),
            std::string::npos);
  EXPECT_NE(parse_error(at(file, table + 32, 2, 4)).find("checkpoint 2 is at position 2"), std::string::npos);
  EXPECT_NE(parse_error(at(file, table, 0, 4)).find("checkpoint 1 is at position 0"), std::string::npos);
  EXPECT_NE(parse_error(at(file, table + 32, 6, 4)).find("inside the 6 tokens"), std::string::npos);
  EXPECT_NE(parse_error(at(file, table + 8, ~std::uint64_t{0}, 8)).find("checkpoint 1 announces"), std::string::npos);
  // Without the new checksum the damage is a checksum mismatch; a newer version is named.
  cut = file;
  cut[table] = std::byte{3};
  EXPECT_NE(parse_error(cut).find("checksum mismatch"), std::string::npos);
  EXPECT_NE(parse_error(at(file, offsetof(ctx::ContextFileHeader, version), 3, 4)).find("format version 3 (this build reads 1 to 2)"),
            std::string::npos);
}

// Version 1 (the reserved word where version 2 counts checkpoints) still reads, without checkpoints.
TEST(ContextFile, Version1ReadsWithoutCheckpoints) {
  auto c = two_checkpoints();
  c.checkpoints.clear();
  auto file = ctx::serialize_context(c);
  const std::uint32_t one = 1;
  std::memcpy(file.data() + offsetof(ctx::ContextFileHeader, version), &one, sizeof one);
  auto parsed = ctx::parse_context_file(file, "old.ctx");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().what();
  EXPECT_EQ(*parsed, c);
}

}  // namespace
}  // namespace npu::test
