// How generations of the scripted model end and go on: the token limit inside <think> or a tool
// call, stop tokens and strings, abort during reasoning, continuing after a cut, a malformed call.
#include "scripted_llm_fixture.hpp"

namespace npu::test {
namespace {

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
  EXPECT_EQ(ev[2].index, 2u);  // after the last generated token
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

// Every end-of-turn id the model names ends a turn, not only the first: ids the config lists (a
// Hugging Face `eos_token_id` list, GGUF eos/eot/eom) and the vocabulary's end-of-turn markers
// found by their text (Llama 3's <|eot_id|>), as llama.cpp treats them.
TEST_F(LlmEventsTest, EveryEndOfTurnIdEndsTheTurn) {
  const ScriptChain listed{"?", "Hello", " END", " after"};
  const ScriptChain marker{"!", "Hi", "<|eot_id|>", " more"};
  auto built = build_scripted_model({.name = "scripted-end-ids", .chains = {listed, marker}, .end_of_turn = {" END"}},
                                    events_temp_file("end_ids.npk"));
  ASSERT_TRUE(built.has_value()) << built.error().what();
  auto llm = open(*built);
  ASSERT_TRUE(llm);
  for (const auto& [chain, text] : {std::pair{listed, "Hello"}, std::pair{marker, "Hi"}}) {
    ASSERT_TRUE(llm->clear_context().has_value());
    auto gen = llm->generate(std::vector<genai::TokenId>{built->id(chain[0])}, params());
    ASSERT_TRUE(gen.has_value());
    const auto ev = drain(*gen);
    EXPECT_EQ(joined(ev, OutputKind::kContent), text) << chain[2];
    EXPECT_EQ(ev.back().status, GenerationStatus::kLogicalEnd) << chain[2];
    EXPECT_EQ(gen->stats().generated_tokens, 1u) << chain[2];  // as with stop tokens, the end token is not counted
  }
  // Without the config's list, " END" is ordinary text and the chain runs on.
  auto plain = build_scripted_model({.name = "scripted-end-ids-plain", .chains = {listed}},
                                    events_temp_file("end_ids_plain.npk"));
  ASSERT_TRUE(plain.has_value()) << plain.error().what();
  auto llm2 = open(*plain);
  ASSERT_TRUE(llm2);
  auto p = params();
  p.max_generated_tokens = 3;
  auto gen = llm2->generate(std::vector<genai::TokenId>{plain->id("?")}, p);
  ASSERT_TRUE(gen.has_value());
  const auto ev = drain(*gen);
  EXPECT_EQ(joined(ev, OutputKind::kContent), "Hello END after");
  EXPECT_EQ(ev.back().status, GenerationStatus::kMaxTokensReached);
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
  // thinks anew and the stream says so once. (The whole conversation, with the cut answer.)
  p.max_generated_tokens.reset();
  turn.push_back({"assistant", "", "Let", {}});
  turn.push_back({"user", "call f", {}, {}});
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
