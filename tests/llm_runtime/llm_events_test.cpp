// Typed events through the whole stack: the scripted bigram model (scripted_model.hpp), compiled
// with the real compiler, generates on the simulated device through genai::LLM and emits
// <think>, tool calls and end tokens, whose ids only the vocabulary knows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "scripted_model.hpp"

namespace npu::test {
namespace {

using genai::GenerationOutput;
using genai::GenerationStatus;
using genai::OutputKind;
using nlohmann::json;

// prompt ... "\n" -> thinking -> content -> one tool call -> end of turn.
const ScriptChain kThinkTool{"\n", "<think>", "Let", " me think", "</think>", "Sure", ", calling",
                             "<|tool_call_start|>", "[f(a=\"x\",", " n=[1,", " {\"k\":", " None}])]",
                             "<|tool_call_end|>", "<|im_end|>"};
// A call that does not parse, then the end of turn.
const ScriptChain kMalformed{"\n", "Hmm", "<|tool_call_start|>", "[f(a=", "<|tool_call_end|>", "<|im_end|>"};
// Thinking that never ends.
const ScriptChain kThinkLoop{"?", "<think>", "again", " and again", "again"};

std::filesystem::path temp_file(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("npu_llm_events_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

struct Hooks {
  std::atomic<int> starts{0}, ends{0};
};

class LlmEventsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // 128 positions: two chat turns (about 30 prompt tokens each) fit.
    auto a = build_scripted_model({.name = "scripted-think-tool", .chains = {kThinkTool}, .context_length = 128},
                                  temp_file("a.npk"));
    ASSERT_TRUE(a.has_value()) << a.error().what();
    think_tool_ = new ScriptedModel(std::move(*a));
    auto b = build_scripted_model({.name = "scripted-malformed-loop", .chains = {kMalformed, kThinkLoop},
                                   .context_length = 128},
                                  temp_file("b.npk"));
    ASSERT_TRUE(b.has_value()) << b.error().what();
    malformed_loop_ = new ScriptedModel(std::move(*b));
  }
  static void TearDownTestSuite() {
    delete think_tool_;
    delete malformed_loop_;
    std::filesystem::remove_all(temp_file("").parent_path());
  }

  void SetUp() override {
    auto v = VDevice::create();
    ASSERT_TRUE(v.has_value()) << v.error().what();
    vdevice_ = std::move(*v);
  }

  std::unique_ptr<genai::LLM> open(const ScriptedModel& m, Hooks* hooks = nullptr) {
    auto llm = genai::LLM::create(*vdevice_, {.model_path = m.path});
    EXPECT_TRUE(llm.has_value()) << llm.error().what();
    if (!llm) return nullptr;
    if (hooks != nullptr) {
      (*llm)->set_hooks({.on_think_start = [hooks] { ++hooks->starts; }, .on_think_end = [hooks] { ++hooks->ends; }});
    }
    return std::move(*llm);
  }

  static genai::GeneratorParams params(bool show_reasoning = false) {
    genai::GeneratorParams p;
    p.greedy = true;
    p.show_reasoning = show_reasoning;
    return p;
  }

  // Every event up to and including kEnd.
  static std::vector<GenerationOutput> drain(genai::Generator& gen) {
    std::vector<GenerationOutput> events;
    while (true) {
      auto out = gen.read(std::chrono::seconds(30));
      EXPECT_TRUE(out.has_value()) << out.error().what();
      if (!out) break;
      events.push_back(std::move(*out));
      if (events.back().kind == OutputKind::kEnd) break;
    }
    return events;
  }

  static std::string joined(const std::vector<GenerationOutput>& events, OutputKind kind) {
    std::string s;
    for (const auto& e : events) if (e.kind == kind) s += e.text;
    return s;
  }
  static int count(const std::vector<GenerationOutput>& events, OutputKind kind) {
    return static_cast<int>(std::count_if(events.begin(), events.end(), [kind](const auto& e) { return e.kind == kind; }));
  }

  static ScriptedModel* think_tool_;
  static ScriptedModel* malformed_loop_;
  std::unique_ptr<VDevice> vdevice_;
};
ScriptedModel* LlmEventsTest::think_tool_ = nullptr;
ScriptedModel* LlmEventsTest::malformed_loop_ = nullptr;

TEST_F(LlmEventsTest, SpecialTokensSitAtNonDefaultIds) {
  const auto& m = *think_tool_;
  // The synthetic and the real LFM2 vocabularies put <|im_end|> at 7 and <think> right after the
  // first few specials; here they sit after the bytes and the script's pieces.
  for (const char* s : {"<think>", "</think>", "<|tool_call_start|>", "<|tool_call_end|>", "<|im_end|>"}) {
    EXPECT_GE(m.id(s), 256) << s;
  }
  EXPECT_NE(m.id("<|im_end|>"), 7);
  EXPECT_EQ(m.tokenizer.eos_id, m.id("<|im_end|>"));
}

TEST_F(LlmEventsTest, EveryScriptStepKeepsItsMarginAfterQuantization) {
  const auto& m = *think_tool_;
  auto llm = open(m);
  ASSERT_TRUE(llm);
  const auto ids = m.ids_of(kThinkTool);
  float smallest = ScriptedModel::kMarginLogit;
  // Designed: the successor at kMarginLogit, every other logit 0. The default (quantized) policy
  // on the device must keep the successor on top by most of that margin, after any prefix.
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    ASSERT_TRUE(llm->clear_context().has_value());
    const std::vector<genai::TokenId> prefix{ids[0], ids[i]};
    ASSERT_TRUE(llm->prefill(prefix).has_value());
    const auto logits = llm->logits();
    ASSERT_EQ(logits.size(), m.tokenizer.tokens.size());
    std::vector<float> sorted(logits.begin(), logits.end());
    std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
    EXPECT_EQ(logits[static_cast<std::size_t>(ids[i + 1])], sorted[0]) << "after '" << kThinkTool[i] << "'";
    EXPECT_GT(sorted[0] - sorted[1], 0.75f * ScriptedModel::kMarginLogit) << "after '" << kThinkTool[i] << "'";
    smallest = std::min(smallest, sorted[0] - sorted[1]);
  }
  std::printf("scripted model, default policy on the device: smallest top-1 margin %.3f (designed %.1f)\n",
              static_cast<double>(smallest), static_cast<double>(ScriptedModel::kMarginLogit));
}

TEST_F(LlmEventsTest, ThinkingContentAndToolCallInOrderWithReasoningHidden) {
  const auto& m = *think_tool_;
  Hooks hooks;
  auto llm = open(m, &hooks);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  auto gen = llm->generate(prompt, params());
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  const auto ev = drain(*gen);
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].kind, OutputKind::kStatus);
  EXPECT_EQ(ev[0].text, "Analyzing...");
  EXPECT_EQ(ev[0].token, m.id("<think>"));
  EXPECT_EQ(ev[0].index, 0u);
  EXPECT_EQ(ev[1].kind, OutputKind::kReasoning);  // thinking ended: no text, the </think> token
  EXPECT_EQ(ev[1].text, "");
  EXPECT_EQ(ev[1].token, m.id("</think>"));
  EXPECT_EQ(ev[1].index, 3u);
  EXPECT_EQ(ev[2].kind, OutputKind::kContent);
  EXPECT_EQ(ev[2].text, "Sure");
  EXPECT_EQ(ev[3].kind, OutputKind::kContent);
  EXPECT_EQ(ev[3].text, ", calling");
  EXPECT_EQ(ev[3].index, 5u);
  ASSERT_EQ(ev[4].kind, OutputKind::kToolCall);
  EXPECT_EQ(ev[4].token, m.id("<|tool_call_end|>"));
  EXPECT_EQ(json::parse(ev[4].text), json::parse(R"({"name":"f","arguments":{"a":"x","n":[1,{"k":null}]}})"));
  EXPECT_EQ(ev[5].kind, OutputKind::kEnd);
  EXPECT_EQ(ev[5].status, GenerationStatus::kLogicalEnd);
  EXPECT_EQ(hooks.starts, 1);
  EXPECT_EQ(hooks.ends, 1);
  EXPECT_EQ(gen->stats().generated_tokens, 12u);  // <|im_end|> ends the turn and is not counted
  EXPECT_EQ(llm->pending_token(), m.id("<|im_end|>"));
}

TEST_F(LlmEventsTest, ReasoningShownWhenAskedAndReadAllKeepsContentAndCalls) {
  const auto& m = *think_tool_;
  auto llm = open(m);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  {
    auto gen = llm->generate(prompt, params(true));
    ASSERT_TRUE(gen.has_value()) << gen.error().what();
    const auto ev = drain(*gen);
    EXPECT_EQ(joined(ev, OutputKind::kReasoning), "Let me think");
    EXPECT_EQ(count(ev, OutputKind::kReasoning), 3);  // two pieces and the end of thinking
    EXPECT_EQ(joined(ev, OutputKind::kContent), "Sure, calling");
    EXPECT_EQ(count(ev, OutputKind::kStatus), 1);
  }
  ASSERT_TRUE(llm->clear_context().has_value());
  auto gen = llm->generate(prompt, params(true));
  ASSERT_TRUE(gen.has_value());
  auto text = gen->read_all(std::chrono::seconds(30));
  ASSERT_TRUE(text.has_value()) << text.error().what();
  EXPECT_EQ(*text, R"(Sure, calling{"name":"f","arguments":{"a":"x","n":[1,{"k":null}]}})");
}

TEST_F(LlmEventsTest, HooksFireAtThinkStartAndAtThinkEnd) {
  const auto& m = *think_tool_;
  auto llm = open(m);
  ASSERT_TRUE(llm);
  // The end hook holds the generation until the test has checked where the stream stands.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> starts{0}, ends{0};
  llm->set_hooks({.on_think_start = [&] { ++starts; },
                  .on_think_end = [&] {
                    std::unique_lock lock(mu);
                    cv.wait_for(lock, std::chrono::seconds(20), [&] { return release; });
                    ++ends;
                  }});
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  auto gen = llm->generate(prompt, params());
  ASSERT_TRUE(gen.has_value());
  auto first = gen->read(std::chrono::seconds(30));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->kind, OutputKind::kStatus);
  EXPECT_EQ(starts, 1);  // fired before the status was queued
  EXPECT_EQ(ends, 0);
  // Nothing after </think> comes out while its hook runs.
  auto held = gen->read(std::chrono::milliseconds(300));
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().code(), ErrorCode::kTimeout);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  auto marker = gen->read(std::chrono::seconds(30));
  ASSERT_TRUE(marker.has_value());
  EXPECT_EQ(marker->token, m.id("</think>"));
  EXPECT_EQ(ends, 1);
  const auto rest = drain(*gen);
  EXPECT_EQ(joined(rest, OutputKind::kContent), "Sure, calling");
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(ends, 1);
}

TEST_F(LlmEventsTest, PromptThatOpensThinkStartsInReasoning) {
  const auto& m = *think_tool_;
  Hooks hooks;
  auto llm = open(m, &hooks);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{m.id("\n"), m.id("<think>")};
  auto gen = llm->generate(prompt, params());
  ASSERT_TRUE(gen.has_value());
  const auto ev = drain(*gen);
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, OutputKind::kStatus);
  EXPECT_EQ(ev[0].token, m.id("<think>"));  // stands for the prompt's <think>
  EXPECT_EQ(joined(ev, OutputKind::kReasoning), "");  // "Let me think" stays hidden
  EXPECT_EQ(joined(ev, OutputKind::kContent), "Sure, calling");
  EXPECT_EQ(count(ev, OutputKind::kToolCall), 1);
  EXPECT_EQ(hooks.starts, 1);
  EXPECT_EQ(hooks.ends, 1);
}

TEST_F(LlmEventsTest, MaxTokensInsideThinkAndInsideAToolCall) {
  const auto& m = *think_tool_;
  Hooks hooks;
  auto llm = open(m, &hooks);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  auto p = params(true);
  p.max_generated_tokens = 2;  // <think>, "Let"
  auto gen = llm->generate(prompt, p);
  ASSERT_TRUE(gen.has_value());
  auto ev = drain(*gen);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].kind, OutputKind::kStatus);
  EXPECT_EQ(ev[1].text, "Let");
  EXPECT_EQ(ev[2].kind, OutputKind::kReasoning);  // thinking ends with the stream
  EXPECT_EQ(ev[2].text, "");
  EXPECT_EQ(ev[2].token, -1);
  EXPECT_EQ(ev[3].status, GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(hooks.ends, 1);  // a "turbo mode" is switched off again

  ASSERT_TRUE(llm->clear_context().has_value());
  p.max_generated_tokens = 9;  // ... <|tool_call_start|>, [f(a="x",, " n=[1,"
  gen = llm->generate(prompt, p);
  ASSERT_TRUE(gen.has_value());
  ev = drain(*gen);
  EXPECT_EQ(count(ev, OutputKind::kToolCall), 0);
  ASSERT_GE(ev.size(), 2u);
  const auto& partial = ev[ev.size() - 2];
  EXPECT_EQ(partial.kind, OutputKind::kContent);
  EXPECT_EQ(partial.text, "[f(a=\"x\", n=[1,");
  EXPECT_NE(partial.warning.find("not terminated"), std::string::npos) << partial.warning;
  EXPECT_EQ(ev.back().status, GenerationStatus::kMaxTokensReached);
}

TEST_F(LlmEventsTest, StopTokenEndsTheTurn) {
  const auto& m = *think_tool_;
  Hooks hooks;
  auto llm = open(m, &hooks);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  auto p = params(true);
  p.stop_tokens = {m.id(", calling")};
  auto gen = llm->generate(prompt, p);
  ASSERT_TRUE(gen.has_value());
  const auto ev = drain(*gen);
  EXPECT_EQ(joined(ev, OutputKind::kContent), "Sure");
  EXPECT_EQ(ev.back().status, GenerationStatus::kLogicalEnd);
  EXPECT_EQ(gen->stats().generated_tokens, 5u);
  EXPECT_EQ(hooks.starts, 1);
  EXPECT_EQ(hooks.ends, 1);
}

TEST_F(LlmEventsTest, StopStringEndsOnTheContentThatHoldsIt) {
  const auto& m = *think_tool_;
  auto llm = open(m);
  ASSERT_TRUE(llm);
  auto p = params(true);
  p.stop_strings = {"me think", "re, cal"};  // the first is reasoning: stop strings see content only
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  auto gen = llm->generate(prompt, p);
  ASSERT_TRUE(gen.has_value());
  const auto ev = drain(*gen);
  EXPECT_EQ(joined(ev, OutputKind::kContent), "Sure, calling");
  EXPECT_EQ(count(ev, OutputKind::kToolCall), 0);
  EXPECT_EQ(ev.back().status, GenerationStatus::kLogicalEnd);
  EXPECT_EQ(gen->stats().generated_tokens, 6u);
}

TEST_F(LlmEventsTest, ContinuingAfterACutInsideThinkResumesReasoning) {
  const auto& m = *think_tool_;
  Hooks hooks;
  auto llm = open(m, &hooks);
  ASSERT_TRUE(llm);
  auto p = params();
  p.max_generated_tokens = 2;  // <think>, "Let"
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  {
    auto gen = llm->generate(prompt, p);
    ASSERT_TRUE(gen.has_value());
    EXPECT_EQ(drain(*gen).back().status, GenerationStatus::kMaxTokensReached);
  }
  // Generating on (the pending " me think" is fed first): still inside the same <think>.
  p.max_generated_tokens.reset();
  auto gen = llm->generate(std::vector<genai::TokenId>{}, p);
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  const auto ev = drain(*gen);
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, OutputKind::kStatus);
  EXPECT_EQ(ev[1].token, m.id("</think>"));
  EXPECT_EQ(joined(ev, OutputKind::kContent), "Sure, calling");
  EXPECT_EQ(count(ev, OutputKind::kToolCall), 1);
  EXPECT_EQ(hooks.starts, 2);
  EXPECT_EQ(hooks.ends, 2);
}

TEST_F(LlmEventsTest, ANewChatTurnAfterACutInsideThinkStartsFresh) {
  const auto& m = *think_tool_;
  Hooks hooks;
  auto llm = open(m, &hooks);
  ASSERT_TRUE(llm);
  std::vector<genai::ChatMessage> turn(1);
  turn[0].role = "user";
  turn[0].content = "call f";
  auto p = params();
  p.max_generated_tokens = 2;
  {
    auto gen = llm->generate(std::span<const genai::ChatMessage>(turn), p);
    ASSERT_TRUE(gen.has_value());
    EXPECT_EQ(drain(*gen).back().status, GenerationStatus::kMaxTokensReached);
  }
  // The next user turn (<|im_start|> ...) is not inside the earlier, unclosed <think>: the model
  // thinks anew and the stream says so once.
  p.max_generated_tokens.reset();
  auto gen = llm->generate(std::span<const genai::ChatMessage>(turn), p);
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  const auto ev = drain(*gen);
  EXPECT_EQ(count(ev, OutputKind::kStatus), 1);
  EXPECT_EQ(joined(ev, OutputKind::kContent), "Sure, calling");
  EXPECT_EQ(count(ev, OutputKind::kToolCall), 1);
  EXPECT_EQ(ev.back().status, GenerationStatus::kLogicalEnd);
  EXPECT_EQ(hooks.starts, 2);
  EXPECT_EQ(hooks.ends, 2);
}

TEST_F(LlmEventsTest, MalformedToolCallIsContentWithAWarning) {
  const auto& m = *malformed_loop_;
  auto llm = open(m);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{m.id("\n")};
  auto gen = llm->generate(prompt, params());
  ASSERT_TRUE(gen.has_value());
  const auto ev = drain(*gen);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].text, "Hmm");
  EXPECT_TRUE(ev[0].warning.empty());
  EXPECT_EQ(ev[1].kind, OutputKind::kContent);
  EXPECT_EQ(ev[1].text, "[f(a=");
  EXPECT_FALSE(ev[1].warning.empty());
  EXPECT_EQ(ev[1].token, m.id("<|tool_call_end|>"));
  EXPECT_EQ(ev[2].status, GenerationStatus::kLogicalEnd);
}

TEST_F(LlmEventsTest, AbortDuringReasoning) {
  const auto& m = *malformed_loop_;
  Hooks hooks;
  auto llm = open(m, &hooks);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{m.id("?")};
  auto gen = llm->generate(prompt, params(true));
  ASSERT_TRUE(gen.has_value());
  std::vector<GenerationOutput> ev;
  while (true) {  // the model thinks forever (until the context is full)
    auto out = gen->read(std::chrono::seconds(30));
    ASSERT_TRUE(out.has_value());
    ev.push_back(*out);
    if (out->kind == OutputKind::kReasoning && !out->text.empty()) break;
  }
  gen->abort();
  for (auto& e : drain(*gen)) ev.push_back(std::move(e));
  EXPECT_EQ(ev.back().status, GenerationStatus::kAborted);
  EXPECT_EQ(gen->status(), GenerationStatus::kAborted);
  EXPECT_EQ(count(ev, OutputKind::kContent), 0);
  EXPECT_LT(gen->stats().generated_tokens, 100u);
  EXPECT_EQ(hooks.starts, 1);
  EXPECT_EQ(hooks.ends, 1);
}

TEST_F(LlmEventsTest, ChatTurnThroughTheTemplateReachesTheToolCall) {
  const auto& m = *think_tool_;
  auto llm = open(m);
  ASSERT_TRUE(llm);
  // The template ends the prompt with "<|im_start|>assistant\n": "\n" starts the script.
  std::vector<genai::ChatMessage> turn(1);
  turn[0].role = "user";
  turn[0].content = "call f";
  auto gen = llm->generate(std::span<const genai::ChatMessage>(turn), params());
  ASSERT_TRUE(gen.has_value()) << gen.error().what();
  const auto ev = drain(*gen);
  EXPECT_EQ(count(ev, OutputKind::kStatus), 1);
  EXPECT_EQ(joined(ev, OutputKind::kContent), "Sure, calling");
  ASSERT_EQ(count(ev, OutputKind::kToolCall), 1);
  EXPECT_EQ(ev.back().status, GenerationStatus::kLogicalEnd);
}

}  // namespace
}  // namespace npu::test
