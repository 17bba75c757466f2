#include "npu/genai/output_parser.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "npu/genai/stream_detokenizer.hpp"
#include "test_vocab.hpp"

namespace npu::genai {
namespace {

using Kind = OutputEvent::Kind;

class OutputParserTest : public ::testing::Test {
 protected:
  OutputParserTest() : tokenizer_(std::move(*Tokenizer::create(test::make_vocab()))),
                       specials_(SpecialTokens::find(tokenizer_)) {}

  // Encodes `text` (special markers included), then drives the parser token by token through a
  // streaming detokenizer, as a session would. Appends finish(reason) if the stream did not end.
  std::vector<OutputEvent> run(std::string_view text, OutputParserOptions options = {},
                               EndReason reason = EndReason::kMaxTokens) {
    OutputParser parser(specials_, std::move(options));
    StreamDetokenizer detok(tokenizer_);
    std::vector<OutputEvent> events;
    const auto ids = tokenizer_.encode(text, {.add_special = false});
    EXPECT_TRUE(ids);
    for (TokenId id : *ids) {
      auto piece = detok.push(id);
      EXPECT_TRUE(piece);
      for (auto& e : parser.feed(id, *piece)) events.push_back(std::move(e));
    }
    for (auto& e : parser.finish(reason, detok.flush())) events.push_back(std::move(e));
    return events;
  }

  static std::string joined(const std::vector<OutputEvent>& events, Kind kind) {
    std::string s;
    for (const auto& e : events) if (e.kind == kind) s += e.text;
    return s;
  }
  static int count(const std::vector<OutputEvent>& events, Kind kind) {
    int n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }

  Tokenizer tokenizer_;
  SpecialTokens specials_;
};

TEST_F(OutputParserTest, ReasoningHiddenByDefaultWithOneStatus) {
  const auto events = run("<think>let me see 日本</think>The answer is 4.<|im_end|>");
  EXPECT_EQ(joined(events, Kind::kContent), "The answer is 4.");
  EXPECT_EQ(count(events, Kind::kReasoning), 0);
  ASSERT_EQ(count(events, Kind::kStatus), 1);
  EXPECT_EQ(events.front().kind, Kind::kStatus);
  EXPECT_EQ(events.front().text, "Analyzing...");
  EXPECT_EQ(events.back().kind, Kind::kEnd);
  EXPECT_EQ(events.back().end_reason, EndReason::kEndOfGeneration);
}

TEST_F(OutputParserTest, ReasoningShownAndHooksFire) {
  int starts = 0, ends = 0;
  OutputParserOptions o;
  o.show_reasoning = true;
  o.on_think_start = [&] { ++starts; };
  o.on_think_end = [&] { ++ends; };
  const auto events = run("<think>step one</think>done<|im_end|>", o);
  EXPECT_EQ(joined(events, Kind::kReasoning), "step one");
  EXPECT_EQ(joined(events, Kind::kContent), "done");
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(ends, 1);
}

TEST_F(OutputParserTest, PromptOpenedThinkAndUnclosedThinkAtEnd) {
  int ends = 0;
  OutputParserOptions o;
  o.start_in_reasoning = true;
  o.on_think_end = [&] { ++ends; };
  const auto events = run("still thinking", o, EndReason::kMaxTokens);
  EXPECT_EQ(joined(events, Kind::kContent), "");
  EXPECT_EQ(count(events, Kind::kStatus), 1);
  EXPECT_EQ(ends, 1);  // leaving on finish switches the "turbo mode" back
  EXPECT_EQ(events.back().end_reason, EndReason::kMaxTokens);
}

TEST_F(OutputParserTest, ToolCallBecomesJson) {
  const auto events =
      run("Sure.<|tool_call_start|>[get_weather(city=\"Paris\", days=2)]<|tool_call_end|><|im_end|>");
  EXPECT_EQ(joined(events, Kind::kContent), "Sure.");
  ASSERT_EQ(count(events, Kind::kToolCall), 1);
  const auto& call = *std::find_if(events.begin(), events.end(),
                                   [](const OutputEvent& e) { return e.kind == Kind::kToolCall; });
  EXPECT_EQ(nlohmann::json::parse(call.text),
            nlohmann::json::parse(R"([{"name":"get_weather","arguments":{"city":"Paris","days":2}}])"));
  ASSERT_EQ(call.tool_calls.size(), 1u);
  EXPECT_EQ(call.tool_calls[0].name, "get_weather");
}

TEST_F(OutputParserTest, MalformedOrUnterminatedToolCallIsContentWithWarning) {
  auto events = run("<|tool_call_start|>[get_weather(city=]<|tool_call_end|><|im_end|>");
  EXPECT_EQ(count(events, Kind::kToolCall), 0);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kContent);
  EXPECT_EQ(events[0].text, "[get_weather(city=]");
  EXPECT_FALSE(events[0].warning.empty());

  events = run("<|tool_call_start|>[f(x=1)", {}, EndReason::kAborted);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].text, "[f(x=1)");
  EXPECT_NE(events[0].warning.find("not terminated"), std::string::npos);
  EXPECT_EQ(events[1].end_reason, EndReason::kAborted);
}

TEST_F(OutputParserTest, StopTokensAndNothingAfterTheEnd) {
  OutputParserOptions o;
  o.stop_tokens = {test::kByteBase + '!'};
  const auto events = run("Hi! ignored<|im_end|>", o);
  EXPECT_EQ(joined(events, Kind::kContent), "Hi");
  EXPECT_EQ(count(events, Kind::kEnd), 1);
  EXPECT_EQ(events.back().end_reason, EndReason::kStopToken);
  EXPECT_EQ(to_string(EndReason::kStopToken), "stop_token");
}

TEST_F(OutputParserTest, EndTokensAsTextWhenIgnored) {
  OutputParserOptions o;
  o.ignore_end_tokens = true;
  o.stop_tokens = {test::kByteBase + '!'};
  const auto events = run("a<|im_end|>b!c", o);
  EXPECT_EQ(joined(events, Kind::kContent), "ab");  // <|im_end|> is hidden text, not an end
  EXPECT_EQ(events.back().end_reason, EndReason::kStopToken);
}

TEST_F(OutputParserTest, EmptyContentOnePerPlainToken) {
  OutputParserOptions o;
  o.empty_content = true;
  // "日" is three byte tokens; the first two complete no character.
  const auto events = run("a日<think>x</think>", o);
  int content = 0;
  for (const auto& e : events) content += e.kind == Kind::kContent;
  EXPECT_EQ(content, 4);  // "a", "", "", "日"; none for the reasoning "x"
  EXPECT_EQ(joined(events, Kind::kContent), "a日");
  // Without the option the held-back bytes give no events.
  EXPECT_EQ(count(run("a日"), Kind::kContent), 2);
}

TEST_F(OutputParserTest, ThinkEndMarkerEvenWhenReasoningIsHidden) {
  OutputParserOptions o;
  o.mark_think_end = true;
  auto events = run("<think>hidden</think>shown", o);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[0].kind, Kind::kStatus);
  EXPECT_EQ(events[1].kind, Kind::kReasoning);
  EXPECT_EQ(events[1].text, "");
  EXPECT_EQ(count(events, Kind::kReasoning), 1);
  EXPECT_EQ(events[2].kind, Kind::kContent);
  EXPECT_EQ(joined(events, Kind::kContent), "shown");
  // The stream ending inside <think> ends thinking too: the marker comes before kEnd.
  events = run("<think>cut", o, EndReason::kMaxTokens);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].kind, Kind::kReasoning);
  EXPECT_EQ(events[2].kind, Kind::kEnd);
  // A </think> outside thinking is no marker.
  EXPECT_EQ(count(run("</think>x", o), Kind::kReasoning), 0);
}

}  // namespace
}  // namespace npu::genai
