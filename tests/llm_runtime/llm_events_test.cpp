// Typed events through the whole stack: the scripted bigram model (scripted_model.hpp), compiled
// with the real compiler, generates on the simulated device through genai::LLM and emits
// <think>, tool calls and end tokens, whose ids only the vocabulary knows. Ends of generation
// (limits, stops, abort, continuing) are in llm_events_stop_test.cpp.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "scripted_llm_fixture.hpp"

namespace npu::test {
namespace {

using nlohmann::json;

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

TEST_F(LlmEventsTest, SeveralCallsInOneBlockGiveOneEventEach) {
  auto built = build_scripted_model(
      {.name = "scripted-two-calls",
       .chains = {{"\n", "<|tool_call_start|>", "[get_weather(city='Paris', days=2),", " note(text=\"a\\\"b\", tags=(1, True))]",
                   "<|tool_call_end|>", "<|im_end|>"}}},
      events_temp_file("two_calls.npk"));
  ASSERT_TRUE(built.has_value()) << built.error().what();
  auto llm = open(*built);
  ASSERT_TRUE(llm);
  const std::vector<genai::TokenId> prompt{built->id("\n")};
  auto gen = llm->generate(prompt, params());
  ASSERT_TRUE(gen.has_value());
  const auto ev = drain(*gen);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, OutputKind::kToolCall);
  EXPECT_EQ(json::parse(ev[0].text), json::parse(R"({"name":"get_weather","arguments":{"city":"Paris","days":2}})"));
  EXPECT_EQ(ev[1].kind, OutputKind::kToolCall);
  EXPECT_EQ(json::parse(ev[1].text), json::parse(R"({"name":"note","arguments":{"text":"a\"b","tags":[1,true]}})"));
  EXPECT_EQ(ev[0].token, ev[1].token);  // both come with <|tool_call_end|>
  EXPECT_EQ(ev[2].status, GenerationStatus::kLogicalEnd);
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

}  // namespace
}  // namespace npu::test
