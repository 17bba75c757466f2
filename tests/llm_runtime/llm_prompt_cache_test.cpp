// Whole-conversation generation with prompt reuse (LLM::generate(messages), generate_cached): each
// turn runs exactly the tokens the template renders for the whole conversation — the same greedy
// tokens and logits as a fresh session fed that prompt — while the session keeps the part of its
// context the prompt shares, rewinding the conv state of the tiny LFM2 model to a checkpoint (also
// one a loaded context file carries). The template drops earlier turns' reasoning, as LFM2.5's does.
#include <algorithm>
#include <cstring>
#include <fstream>

#include "llm_fixture.hpp"
#include "local/llm/context_file.hpp"
#include "npu/common/checksum.hpp"

namespace npu::test {
namespace {

using genai::ChatMessage;
using genai::TokenId;

// LFM2.5-style: every assistant turn but the last loses its <think>...</think>.
constexpr const char* kDropsPastThinking = R"({{- bos_token -}}
{%- set ns = namespace(last=-1) -%}
{%- for m in messages -%}{%- if m.role == "assistant" -%}{%- set ns.last = loop.index0 -%}{%- endif -%}{%- endfor -%}
{%- for m in messages -%}
{{- "<|im_start|>" + m.role + "\n" -}}
{%- set content = m.content -%}
{%- if m.role == "assistant" and loop.index0 != ns.last and "</think>" in content -%}
{%- set content = content.split("</think>")[-1] | trim -%}
{%- endif -%}
{{- content + "<|im_end|>\n" -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- "<|im_start|>assistant\n" -}}{%- endif -%})";

struct Turn {
  std::vector<TokenId> tokens;
  std::vector<std::vector<float>> logits;  // with each token
  genai::GenerationStats stats;
};

Turn drain_turn(genai::Generator& gen) {
  Turn t;
  while (true) {
    auto out = gen.read(std::chrono::seconds(60));
    EXPECT_TRUE(out.has_value()) << out.error().what();
    if (!out || out->kind == genai::OutputKind::kEnd) break;
    if (out->token < 0) continue;
    t.tokens.push_back(out->token);
    t.logits.push_back(out->logits);
  }
  t.stats = gen.stats();
  return t;
}

genai::GeneratorParams params() {
  auto p = greedy(4);
  p.return_logits = true;
  return p;
}

std::size_t common_prefix(std::span<const TokenId> a, std::span<const TokenId> b) {
  return static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}

class LlmPromptCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new TinyLlm(compile_tiny("default", 31, "prompt_cache.npk", kDropsPastThinking, 256));
  }
  static void TearDownTestSuite() { delete model_; }
  void SetUp() override {
    auto v = VDevice::create();
    ASSERT_TRUE(v.has_value()) << v.error().what();
    vdevice_ = std::move(*v);
    llm_ = open();
    ASSERT_TRUE(llm_);
  }
  std::unique_ptr<genai::LLM> open() {
    auto llm = genai::LLM::create(*vdevice_, {.model_path = model_->path});
    EXPECT_TRUE(llm.has_value()) << llm.error().what();
    return llm ? std::move(*llm) : nullptr;
  }
  std::vector<TokenId> rendered(const std::vector<ChatMessage>& conversation) {
    auto text = llm_->text();
    EXPECT_TRUE(text.has_value()) << text.error().what();
    auto prompt = text->apply_chat_template(conversation);
    EXPECT_TRUE(prompt.has_value()) << prompt.error().what();
    return prompt ? prompt->tokens : std::vector<TokenId>{};
  }
  static Turn chat(genai::LLM& llm, const std::vector<ChatMessage>& conversation) {
    auto gen = llm.generate(std::span<const ChatMessage>(conversation), params());
    EXPECT_TRUE(gen.has_value()) << gen.error().what();
    return gen ? drain_turn(*gen) : Turn{};
  }
  // The oracle: a fresh session fed the whole prompt.
  Turn fresh(std::span<const TokenId> prompt) {
    auto llm = llm_->create_session();
    EXPECT_TRUE(llm.has_value()) << llm.error().what();
    if (!llm) return {};
    auto gen = (*llm)->generate(prompt, params());
    EXPECT_TRUE(gen.has_value()) << gen.error().what();
    return gen ? drain_turn(*gen) : Turn{};
  }
  // Runs a turn of the whole conversation; checks it against the oracle and that `cached` tokens
  // came from the context (and the rest ran).
  Turn expect_turn(genai::LLM& llm, const std::vector<ChatMessage>& conversation, std::size_t cached) {
    const auto prompt = rendered(conversation);
    const Turn got = chat(llm, conversation);
    const Turn want = fresh(prompt);
    EXPECT_EQ(got.tokens.size(), 4u);
    EXPECT_EQ(got.tokens, want.tokens);
    EXPECT_EQ(got.logits, want.logits);
    EXPECT_EQ(got.stats.cached_tokens, cached);
    EXPECT_EQ(got.stats.prompt_tokens + got.stats.cached_tokens, prompt.size());
    EXPECT_EQ(llm.context_usage(), prompt.size() + 3);  // the prompt and 3 generated (the 4th pending)
    return got;
  }

  static ChatMessage msg(std::string role, std::string content) { return {std::move(role), std::move(content), {}, {}}; }

  static TinyLlm* model_;
  std::unique_ptr<VDevice> vdevice_;
  std::unique_ptr<genai::LLM> llm_;
};
TinyLlm* LlmPromptCacheTest::model_ = nullptr;

TEST_F(LlmPromptCacheTest, EachTurnEqualsAFreshSessionFedTheWholeConversation) {
  std::vector<ChatMessage> conv{msg("system", "Be brief."), msg("user", "hi there")};
  const auto p1 = rendered(conv);
  const Turn t1 = expect_turn(*llm_, conv, 0);
  // Turn 2: the answer (with its reasoning, kept: it is the last assistant turn) and a question.
  // The context holds turn 1's prompt and what the model generated; the rendered answer differs
  // from that, so the common prefix is turn 1's prompt: a checkpoint.
  conv.push_back(msg("assistant", "<think>hmm</think>ok"));
  conv.push_back(msg("user", "and then?"));
  auto context = p1;
  context.insert(context.end(), t1.tokens.begin(), t1.tokens.end());
  const auto p2 = rendered(conv);
  ASSERT_EQ(common_prefix(context, p2), p1.size());
  const Turn t2 = expect_turn(*llm_, conv, p1.size());
  // Turn 3: the template now drops turn 1's reasoning, so the prompt leaves the context right
  // after turn 1's prompt again: the session rewinds there rather than keep a past it never saw.
  conv.push_back(msg("assistant", "<think>so</think>fine"));
  conv.push_back(msg("user", "bye"));
  const auto p3 = rendered(conv);
  ASSERT_EQ(common_prefix(p2, p3), p1.size());
  (void)expect_turn(*llm_, conv, p1.size());
}

TEST_F(LlmPromptCacheTest, AnEditedConversationRewindsToTheLatestCheckpointBelowTheEdit) {
  std::vector<ChatMessage> conv{msg("user", "one")};
  const auto p1 = rendered(conv);
  (void)expect_turn(*llm_, conv, 0);
  conv.push_back(msg("assistant", "two"));
  conv.push_back(msg("user", "three"));
  const auto p2 = rendered(conv);
  (void)expect_turn(*llm_, conv, p1.size());
  conv.push_back(msg("assistant", "four"));
  conv.push_back(msg("user", "five"));
  (void)expect_turn(*llm_, conv, p2.size());  // no reasoning: turn 2's prompt is all kept
  // The last question edited: back to the end of turn 2's prompt.
  conv.back().content = "six";
  (void)expect_turn(*llm_, conv, p2.size());
  // The middle question edited: past turn 1's prompt, short of turn 2's: back to turn 1's.
  conv[2].content = "seven";
  (void)expect_turn(*llm_, conv, p1.size());
}

TEST_F(LlmPromptCacheTest, AnUnrelatedConversationStartsOver) {
  (void)expect_turn(*llm_, {msg("user", "weather today")}, 0);
  // Shares only the opening tokens (BOS, "<|im_start|>user\n"): no checkpoint there.
  const std::vector<ChatMessage> other{msg("user", "tell me a story")};
  ASSERT_GT(common_prefix(rendered({msg("user", "weather today")}), rendered(other)), 0u);
  (void)expect_turn(*llm_, other, 0);
}

TEST_F(LlmPromptCacheTest, TheSameConversationAgainRegeneratesItsAnswer) {
  const std::vector<ChatMessage> conv{msg("user", "again")};
  const Turn a = expect_turn(*llm_, conv, 0);
  // All of it is in the context, but its last token must run again for its logits: the session
  // goes back to the checkpoint before it (none: starts over) and answers the same.
  const Turn b = expect_turn(*llm_, conv, 0);
  EXPECT_EQ(a.tokens, b.tokens);
}

TEST_F(LlmPromptCacheTest, TokenPromptsThatExtendTheContextKeepAllOfIt) {
  const auto first = prompt_tokens(13);
  auto gen = llm_->generate_cached(first, params());
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  const Turn t1 = drain_turn(*gen);
  EXPECT_EQ(t1.stats.cached_tokens, 0u);
  // The context, its pending token and more: everything is kept, the pending token runs first.
  auto whole = first;
  whole.insert(whole.end(), t1.tokens.begin(), t1.tokens.end());
  const auto more = prompt_tokens(5, 90);
  whole.insert(whole.end(), more.begin(), more.end());
  auto gen2 = llm_->generate_cached(whole, params());
  ASSERT_TRUE(gen2.has_value()) << gen2.error().what();
  const Turn t2 = drain_turn(*gen2);
  EXPECT_EQ(t2.stats.cached_tokens, first.size() + 3);
  EXPECT_EQ(t2.stats.prompt_tokens, 1u + more.size());
  const Turn want = fresh(whole);
  EXPECT_EQ(t2.tokens, want.tokens);
  EXPECT_EQ(t2.logits, want.logits);
}

TEST_F(LlmPromptCacheTest, ALoadedContextIsContinued) {
  const std::vector<ChatMessage> conv{msg("user", "saved")};
  const auto p1 = rendered(conv);
  const Turn t1 = expect_turn(*llm_, conv, 0);
  const auto path = llm_temp("prompt_cache.ctx");
  ASSERT_TRUE(llm_->save_context(path).has_value());

  // A new session loads it and continues it as tokens: all of the loaded context is kept.
  auto loaded = llm_->create_session();
  ASSERT_TRUE(loaded.has_value());
  ASSERT_TRUE((*loaded)->load_context(path).has_value());
  auto whole = p1;
  whole.insert(whole.end(), t1.tokens.begin(), t1.tokens.end());
  const auto more = prompt_tokens(6, 40);
  whole.insert(whole.end(), more.begin(), more.end());
  auto gen = (*loaded)->generate_cached(whole, params());
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  const Turn got = drain_turn(*gen);
  EXPECT_EQ(got.stats.cached_tokens, p1.size() + 3);
  const Turn want = fresh(whole);
  EXPECT_EQ(got.tokens, want.tokens);
  EXPECT_EQ(got.logits, want.logits);

  // Another loads it and goes on with the conversation, whose answer differs from the generated
  // tokens: the loaded state lies past the common prefix, but the file holds the checkpoint at
  // the end of the prompt, so the session keeps the prompt (exactly).
  auto again = llm_->create_session();
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE((*again)->load_context(path).has_value());
  auto longer = conv;
  longer.push_back(msg("assistant", "ok"));
  longer.push_back(msg("user", "more"));
  (void)expect_turn(**again, longer, p1.size());
  std::filesystem::remove(path);
}

// Rewrites a context file as format version 1 (before checkpoints were saved): the header's
// checkpoint count was a reserved zero and nothing followed the state.
void rewrite_as_version_1(const std::filesystem::path& path) {
  std::vector<char> bytes(std::filesystem::file_size(path));
  std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  genai::detail::ContextFileHeader h{};
  std::memcpy(&h, bytes.data(), sizeof h);
  ASSERT_EQ(h.version, 2u);
  ASSERT_GT(h.checkpoint_count, 0u);
  bytes.resize(sizeof h + h.name_bytes + std::size_t{h.history_count} * 4 + h.state_bytes);
  h.version = 1;
  h.checkpoint_count = 0;
  h.crc32 = crc32(bytes.data() + sizeof h, bytes.size() - sizeof h);
  std::memcpy(bytes.data(), &h, sizeof h);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A two-turn conversation saved, loaded into a fresh session, and a conversation that shares only
// the first turn's prompt: the session rewinds to the checkpoint the file carries at the end of
// that prompt and runs the rest, token- and logit-identical to a fresh session fed it all.
TEST_F(LlmPromptCacheTest, ALoadedContextRewindsToItsFirstTurnsCheckpoint) {
  std::vector<ChatMessage> conv{msg("system", "Be brief."), msg("user", "first question")};
  const auto p1 = rendered(conv);
  (void)expect_turn(*llm_, conv, 0);
  conv.push_back(msg("assistant", "yes"));
  conv.push_back(msg("user", "second question"));
  const auto p2 = rendered(conv);
  (void)expect_turn(*llm_, conv, p1.size());
  const auto path = llm_temp("two_turns.ctx");
  ASSERT_TRUE(llm_->save_context(path).has_value());

  std::vector<ChatMessage> other{conv[0], conv[1], msg("assistant", "no"), msg("user", "something else")};
  const auto p3 = rendered(other);
  ASSERT_GE(common_prefix(p2, p3), p1.size());
  ASSERT_LT(common_prefix(p2, p3), p1.size() + 2);  // the answers differ at once
  auto loaded = llm_->create_session();
  ASSERT_TRUE(loaded.has_value());
  ASSERT_TRUE((*loaded)->load_context(path).has_value());
  EXPECT_EQ((*loaded)->context_usage(), p2.size() + 3);
  (void)expect_turn(**loaded, other, p1.size());

  // The same file as format version 1 (no checkpoints) still loads; the conversation then starts
  // over, exactly.
  rewrite_as_version_1(path);
  auto old = llm_->create_session();
  ASSERT_TRUE(old.has_value());
  auto loaded_old = (*old)->load_context(path);
  ASSERT_TRUE(loaded_old.has_value()) << loaded_old.error().what();
  EXPECT_EQ((*old)->context_usage(), p2.size() + 3);
  (void)expect_turn(**old, other, 0);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace npu::test
