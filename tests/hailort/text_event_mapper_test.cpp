// TextEventMapper: HailoRT's per-token text -> typed events, without HailoRT.
#include "hailort/text_event_mapper.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace npu::hailort_backend {
namespace {

using genai::GenerationOutput;
using genai::GenerationStatus;
using genai::OutputKind;

struct Events {
  std::vector<GenerationOutput> events;
  std::string text(OutputKind kind) const {
    std::string s;
    for (const auto& e : events) {
      if (e.kind == kind) s += e.text;
    }
    return s;
  }
  int count(OutputKind kind) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }
};

// Feeds `reads` while generating, then the last read with `status`.
Events run(TextEventMapper& m, const std::vector<std::string>& reads, const std::string& last, GenerationStatus status) {
  Events r;
  for (const auto& t : reads) {
    for (auto& e : m.feed(t)) r.events.push_back(std::move(e));
  }
  for (auto& e : m.finish(last, status)) r.events.push_back(std::move(e));
  return r;
}

TextEventOptions qwen_like() {
  TextEventOptions o;
  o.end_of_turn = {"<|im_end|>", "<|endoftext|>"};
  o.recovery_sequence = "<|im_end|>";
  return o;
}

TEST(TextEventMapper, ContentThenEndOfTurnDropped) {
  TextEventMapper m(qwen_like());
  const Events r = run(m, {"Hello", ",", " world"}, "<|im_end|>", GenerationStatus::kLogicalEnd);
  EXPECT_EQ(r.text(OutputKind::kContent), "Hello, world");
  ASSERT_FALSE(r.events.empty());
  EXPECT_EQ(r.events.back().kind, OutputKind::kEnd);
  EXPECT_EQ(r.events.back().status, GenerationStatus::kLogicalEnd);
  EXPECT_EQ(r.count(OutputKind::kEnd), 1);
  EXPECT_EQ(m.reads(), 4u);
  EXPECT_TRUE(m.finish("more", GenerationStatus::kLogicalEnd).empty());  // ended: nothing more
}

TEST(TextEventMapper, ReasoningHiddenWithOneStatusAndBothHooks) {
  int started = 0, ended = 0;
  auto o = qwen_like();
  o.hooks.on_think_start = [&] { ++started; };
  o.hooks.on_think_end = [&] { ++ended; };
  TextEventMapper m(o);
  const Events r = run(m, {"<think>", "\n", "Two", " plus", " two", "</think>", "\n\n", "4"}, "<|im_end|>",
                    GenerationStatus::kLogicalEnd);
  ASSERT_EQ(r.count(OutputKind::kStatus), 1);
  EXPECT_EQ(r.events.front().kind, OutputKind::kStatus);
  EXPECT_EQ(r.events.front().text, "Analyzing...");
  EXPECT_EQ(r.text(OutputKind::kReasoning), "");   // hidden...
  EXPECT_EQ(r.count(OutputKind::kReasoning), 1);   // ...but its end is marked
  EXPECT_EQ(r.text(OutputKind::kContent), "\n\n4");
  EXPECT_EQ(started, 1);
  EXPECT_EQ(ended, 1);
}

TEST(TextEventMapper, ReasoningShownWhenAsked) {
  auto o = qwen_like();
  o.show_reasoning = true;
  TextEventMapper m(o);
  const Events r = run(m, {"<think>", "Two", " plus", " two", "</think>", "4"}, "<|im_end|>", GenerationStatus::kLogicalEnd);
  EXPECT_EQ(r.text(OutputKind::kReasoning), "Two plus two");
  EXPECT_EQ(r.text(OutputKind::kContent), "4");
}

TEST(TextEventMapper, MarkersSplitAcrossReadsAreRecognised) {
  auto o = qwen_like();
  o.show_reasoning = true;
  TextEventMapper m(o);
  const Events r = run(m, {"<th", "ink", ">hm", "m</t", "hink>", "ok"}, "<|im_", GenerationStatus::kLogicalEnd);
  EXPECT_EQ(r.count(OutputKind::kStatus), 1);
  EXPECT_EQ(r.text(OutputKind::kReasoning), "hmm");
  EXPECT_EQ(r.text(OutputKind::kContent), "ok<|im_");  // not a whole end-of-turn: kept
}

TEST(TextEventMapper, TextThatOnlyLookedLikeAMarkerStartIsDelivered) {
  TextEventMapper m(qwen_like());
  Events r;
  for (auto& e : m.feed("a <")) r.events.push_back(std::move(e));
  EXPECT_EQ(r.text(OutputKind::kContent), "a ");  // "<" may start a marker: held back
  for (auto& e : m.feed("b")) r.events.push_back(std::move(e));
  EXPECT_EQ(r.text(OutputKind::kContent), "a <b");
  for (auto& e : m.finish("", GenerationStatus::kLogicalEnd)) r.events.push_back(std::move(e));
  EXPECT_EQ(r.text(OutputKind::kContent), "a <b");
}

TEST(TextEventMapper, Lfm2ToolCallSplitAcrossReads) {
  TextEventMapper m(qwen_like());
  const Events r = run(m, {"<|tool_call_start|>", "[get_", "weather(city=", "\"Pa", "ris\", days", "=2)]", "<|tool_call_end|>"},
                    "<|im_end|>", GenerationStatus::kLogicalEnd);
  ASSERT_EQ(r.count(OutputKind::kToolCall), 1);
  const auto call = nlohmann::json::parse(r.text(OutputKind::kToolCall));
  EXPECT_EQ(call["name"], "get_weather");
  EXPECT_EQ(call["arguments"]["city"], "Paris");
  EXPECT_EQ(call["arguments"]["days"], 2);
  EXPECT_EQ(r.text(OutputKind::kContent), "");
}

TEST(TextEventMapper, HermesJsonToolCallsOnePerBlock) {
  TextEventMapper m(qwen_like());
  const Events r = run(m, {"Checking.", "<tool_call>", "\n{\"name\": \"f\", ", "\"arguments\": {\"x\": 1}}\n", "</tool_call>",
                        "<tool", "_call>", "{\"name\": \"g\", \"arguments\": {}}", "</tool_call>"},
                    "<|im_end|>", GenerationStatus::kLogicalEnd);
  ASSERT_EQ(r.count(OutputKind::kToolCall), 2);
  std::vector<nlohmann::json> calls;
  for (const auto& e : r.events) {
    if (e.kind == OutputKind::kToolCall) calls.push_back(nlohmann::json::parse(e.text));
  }
  EXPECT_EQ(calls[0]["name"], "f");
  EXPECT_EQ(calls[0]["arguments"]["x"], 1);
  EXPECT_EQ(calls[1]["name"], "g");
  EXPECT_EQ(r.text(OutputKind::kContent), "Checking.");
}

TEST(TextEventMapper, MalformedToolCallIsContentWithWarning) {
  TextEventMapper m(qwen_like());
  const Events r = run(m, {"<tool_call>", "get_weather(Paris)", "</tool_call>"}, "<|im_end|>", GenerationStatus::kLogicalEnd);
  EXPECT_EQ(r.count(OutputKind::kToolCall), 0);
  ASSERT_EQ(r.count(OutputKind::kContent), 1);
  for (const auto& e : r.events) {
    if (e.kind != OutputKind::kContent) continue;
    EXPECT_EQ(e.text, "get_weather(Paris)");
    EXPECT_FALSE(e.warning.empty());
  }
}

TEST(TextEventMapper, RecoverySequenceDroppedAfterMaxTokensAndUnfinishedCallKept) {
  TextEventMapper m(qwen_like());
  // HailoRT: the token that hit the limit, then the recovery sequence carrying the status.
  const Events r = run(m, {"<tool_call>", "{\"name\": \"f\""}, "<|im_end|>", GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(r.events.back().status, GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(r.count(OutputKind::kToolCall), 0);
  ASSERT_EQ(r.count(OutputKind::kContent), 1);
  for (const auto& e : r.events) {
    if (e.kind == OutputKind::kContent) {
      EXPECT_EQ(e.text, "{\"name\": \"f\"");
      EXPECT_NE(e.warning.find("not terminated"), std::string::npos);
    }
  }
}

TEST(TextEventMapper, MultiTokenRecoveryHeldBackThenDroppedOnAbort) {
  auto o = qwen_like();
  o.recovery_sequence = "\n<|im_end|>";
  TextEventMapper m(o);
  const Events r = run(m, {"Once", " upon", "\n"}, "<|im_end|>", GenerationStatus::kAborted);
  EXPECT_EQ(r.text(OutputKind::kContent), "Once upon");
  EXPECT_EQ(r.events.back().status, GenerationStatus::kAborted);
}

TEST(TextEventMapper, RecoveryNotDroppedOnLogicalEndNorEndOfTurnOnMaxTokens) {
  auto o = qwen_like();
  o.end_of_turn = {"<|endoftext|>"};
  o.recovery_sequence = "<|im_end|>";
  TextEventMapper a(o);
  EXPECT_EQ(run(a, {"x"}, "<|im_end|>", GenerationStatus::kLogicalEnd).text(OutputKind::kContent), "x<|im_end|>");
  TextEventMapper b(o);
  EXPECT_EQ(run(b, {"x"}, "<|endoftext|>", GenerationStatus::kMaxTokensReached).text(OutputKind::kContent),
            "x<|endoftext|>");
}

TEST(TextEventMapper, StopStringEndsAndKeepsTheTextUpToIt) {
  auto o = qwen_like();
  o.stop_strings = {"STOP"};
  TextEventMapper m(o);
  Events r;
  for (const char* t : {"go ", "ST", "OP now", " more"}) {
    for (auto& e : m.feed(t)) r.events.push_back(std::move(e));
  }
  EXPECT_TRUE(m.stop_string_seen());
  for (auto& e : m.finish("<|im_end|>", GenerationStatus::kLogicalEnd)) r.events.push_back(std::move(e));
  EXPECT_EQ(r.text(OutputKind::kContent), "go STOP");
  EXPECT_EQ(r.events.back().status, GenerationStatus::kLogicalEnd);
}

TEST(TextEventMapper, PromptOpenedThinkStartsInReasoning) {
  auto o = qwen_like();
  o.start_in_reasoning = true;
  o.show_reasoning = true;
  int started = 0;
  o.hooks.on_think_start = [&] { ++started; };
  TextEventMapper m(o);
  const Events r = run(m, {"hmm", "</think>", "yes"}, "<|im_end|>", GenerationStatus::kLogicalEnd);
  EXPECT_EQ(r.events.front().kind, OutputKind::kStatus);
  EXPECT_EQ(r.text(OutputKind::kReasoning), "hmm");
  EXPECT_EQ(r.text(OutputKind::kContent), "yes");
  EXPECT_EQ(started, 1);
}

TEST(TextEventMapper, EndInsideThinkingClosesIt) {
  int ended = 0;
  auto o = qwen_like();
  o.hooks.on_think_end = [&] { ++ended; };
  TextEventMapper m(o);
  const Events r = run(m, {"<think>", "long", " thought"}, "<|im_end|>", GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(r.text(OutputKind::kContent), "");
  EXPECT_EQ(r.events.back().status, GenerationStatus::kMaxTokensReached);
}

TEST(TextEventMapper, FailureDropsNothing) {
  TextEventMapper m(qwen_like());
  const Events r = run(m, {"partial", "<|im_end|>"}, "", GenerationStatus::kFailed);
  EXPECT_EQ(r.text(OutputKind::kContent), "partial<|im_end|>");
  EXPECT_EQ(r.events.back().status, GenerationStatus::kFailed);
}

TEST(TextEventMapper, InvalidUtf8AndEmptyReadsDoNotBreakIt) {
  TextEventMapper m(qwen_like());
  const Events r = run(m, {"", "\xff\xfe", "", "<", "<", "<think"}, "", GenerationStatus::kLogicalEnd);
  EXPECT_EQ(r.text(OutputKind::kContent), "\xff\xfe<<<think");
}

TEST(ThinkDetection, PromptAndTemplate) {
  EXPECT_TRUE(opens_think("<|im_start|>assistant\n<think>\n"));
  EXPECT_FALSE(opens_think("<think>a</think>b"));
  EXPECT_FALSE(opens_think("plain"));
  EXPECT_TRUE(template_opens_think("{% if add_generation_prompt %}<|Assistant|><think>\n{% endif %}"));
  EXPECT_FALSE(template_opens_think("{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"));
  EXPECT_FALSE(template_opens_think(
      "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n\n</think>\n\n{% endif %}"));
  EXPECT_FALSE(template_opens_think("<think> without a generation prompt"));
}

}  // namespace
}  // namespace npu::hailort_backend
