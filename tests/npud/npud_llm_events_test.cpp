// Typed events through npud are the events in-process: the scripted model (tests/llm_runtime)
// generates the same way in this process and through the daemon, and the two event sequences
// (kind, text, token, index, tool-call JSON, warning, end status) and the think hooks (how often,
// after which event) must agree, for thinking shown and hidden, a malformed tool call, the token
// limit inside <think>, generating on inside it and an abort during reasoning.
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "npud_fixture.hpp"
#include "scripted_llm_fixture.hpp"

namespace npu::test {
namespace {

struct Step {
  std::string prompt;  // one piece of the script; empty: generate on from the session's context
  genai::GeneratorParams params;
};

struct Recording {
  std::vector<GenerationOutput> events;
  std::vector<std::pair<int, int>> hooks;  // (starts, ends) right after each event was read
};

// The events that stand for a hook: entering <think> (kStatus), leaving it (empty kReasoning).
bool marks_think_start(const GenerationOutput& e) { return e.kind == OutputKind::kStatus; }
bool marks_think_end(const GenerationOutput& e) { return e.kind == OutputKind::kReasoning && e.text.empty(); }

class NpudLlmEventsTest : public LlmEventsTest {
 protected:
  void SetUp() override {
    LlmEventsTest::SetUp();  // the in-process VDevice
    npud_.emplace();
    VDeviceParams p;
    p.multi_process = true;
    auto v = VDevice::create(p);
    ASSERT_TRUE(v.has_value()) << v.error().what();
    remote_ = std::move(*v);
  }

  // Generations of `m` one after the other in one session, in-process or through npud, their
  // events in one list. A step's prompt is one piece of the script, or none to generate on. With
  // `abort_in_reasoning` the first reasoning text aborts its generation.
  Recording record(bool through_npud, const ScriptedModel& m, const std::vector<Step>& steps,
                   bool abort_in_reasoning = false) {
    Hooks hooks;
    if (through_npud) std::swap(vdevice_, remote_);  // open() opens on vdevice_
    auto llm = open(m, &hooks);
    if (through_npud) std::swap(vdevice_, remote_);
    Recording r;
    for (std::size_t i = 0; llm && i < steps.size(); ++i) {
      std::vector<genai::TokenId> prompt;
      if (!steps[i].prompt.empty()) prompt.push_back(m.id(steps[i].prompt));
      auto gen = llm->generate(prompt, steps[i].params);
      EXPECT_TRUE(gen.has_value()) << gen.error().what();
      if (!gen) break;
      bool aborted = false;
      while (true) {
        auto out = gen->read(std::chrono::seconds(30));
        EXPECT_TRUE(out.has_value()) << out.error().what();
        if (!out) break;
        if (abort_in_reasoning && !aborted && out->kind == OutputKind::kReasoning && !out->text.empty()) {
          gen->abort();
          aborted = true;
        }
        r.events.push_back(std::move(*out));
        r.hooks.emplace_back(hooks.starts.load(), hooks.ends.load());
        if (r.events.back().kind == OutputKind::kEnd) break;
      }
    }
    return r;
  }

  // Through npud a hook fires exactly when read() hands out its event.
  static void expect_hooks_at_their_events(const Recording& r) {
    int starts = 0, ends = 0;
    for (std::size_t i = 0; i < r.events.size(); ++i) {
      starts += marks_think_start(r.events[i]) ? 1 : 0;
      ends += marks_think_end(r.events[i]) ? 1 : 0;
      EXPECT_EQ(r.hooks[i], std::make_pair(starts, ends)) << "after event " << i;
    }
  }

  // The first `n` events (all when nullopt) agree field by field; each hook has fired as often
  // once its event is read, and both as often at each end.
  static void expect_same(const Recording& in, const Recording& npud, std::optional<std::size_t> n = {}) {
    if (!n) {
      EXPECT_EQ(in.events.size(), npud.events.size());
      n = std::min(in.events.size(), npud.events.size());
    }
    ASSERT_LE(*n, std::min(in.events.size(), npud.events.size()));
    for (std::size_t i = 0; i < *n; ++i) {
      const auto &a = in.events[i], &b = npud.events[i];
      SCOPED_TRACE(::testing::Message() << "event " << i << " (" << genai::to_string(a.kind) << " '" << a.text << "')");
      EXPECT_EQ(a.kind, b.kind);
      if (a.kind == OutputKind::kToolCall && b.kind == a.kind) {
        EXPECT_EQ(nlohmann::json::parse(a.text), nlohmann::json::parse(b.text));
      } else {
        EXPECT_EQ(a.text, b.text);
      }
      EXPECT_EQ(a.token, b.token);
      EXPECT_EQ(a.index, b.index);
      EXPECT_EQ(a.warning, b.warning);
      EXPECT_EQ(a.status, b.status);
      EXPECT_EQ(a.logits, b.logits);  // the same device model on both sides: bit for bit
      // In-process a hook fires before its event is queued (the other one may be ahead).
      if (marks_think_start(a)) {
        EXPECT_EQ(in.hooks[i].first, npud.hooks[i].first) << "on_think_start count";
      }
      if (marks_think_end(a)) {
        EXPECT_EQ(in.hooks[i].second, npud.hooks[i].second) << "on_think_end count";
      }
      if (a.kind == OutputKind::kEnd) {
        EXPECT_EQ(in.hooks[i], npud.hooks[i]);
      }
    }
    expect_hooks_at_their_events(npud);
  }

  std::optional<NpudProcess> npud_;
  std::unique_ptr<VDevice> remote_;
};

TEST_F(NpudLlmEventsTest, SameEventsAndHooksAsInProcess) {
  auto limited = params(true);
  limited.max_generated_tokens = 3;
  auto with_logits = params(true);
  with_logits.return_logits = true;
  struct Case {
    const char* what;
    const ScriptedModel* model;
    std::vector<Step> steps;
  };
  const Case cases[] = {
      {"thinking hidden (default), content, a tool call", think_tool_, {{"\n", params()}}},
      {"thinking shown, with logits", think_tool_, {{"\n", with_logits}}},
      {"a malformed tool call", malformed_loop_, {{"\n", params()}}},
      {"the token limit inside <think>", malformed_loop_, {{"?", limited}}},
      // The second generation starts inside the <think> the first left open.
      {"generating on after a cut inside <think>", think_tool_, {{"\n", limited}, {"", params()}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto in = record(false, *c.model, c.steps);
    const auto npud = record(true, *c.model, c.steps);
    ASSERT_FALSE(in.events.empty());
    expect_same(in, npud);
  }
  // The cases show what they are meant to (else agreeing would prove little).
  const auto shown = record(true, *think_tool_, {{"\n", with_logits}});
  EXPECT_EQ(joined(shown.events, OutputKind::kReasoning), "Let me think");
  ASSERT_GE(shown.events.size(), 2u);
  EXPECT_EQ(shown.events[1].logits.size(), think_tool_->tokenizer.tokens.size());
  EXPECT_EQ(count(shown.events, OutputKind::kToolCall), 1);
  const auto bad = record(true, *malformed_loop_, {{"\n", params()}});
  ASSERT_EQ(bad.events.size(), 3u);
  EXPECT_FALSE(bad.events[1].warning.empty());
  const auto cut = record(true, *malformed_loop_, {{"?", limited}});
  ASSERT_GE(cut.events.size(), 2u);
  EXPECT_EQ(cut.events[cut.events.size() - 2].token, -1);  // thinking ended with the stream
  EXPECT_EQ(cut.hooks.back(), std::make_pair(1, 1));
  EXPECT_EQ(cut.events.back().status, GenerationStatus::kMaxTokensReached);
  const auto resumed = record(true, *think_tool_, {{"\n", limited}, {"", params()}});
  EXPECT_EQ(count(resumed.events, OutputKind::kStatus), 2);  // thinking resumes: status again
  EXPECT_EQ(resumed.hooks.back(), std::make_pair(2, 2));
}

TEST_F(NpudLlmEventsTest, AbortDuringReasoningEndsThinkingAsInProcess) {
  const auto in = record(false, *malformed_loop_, {{"?", params(true)}}, true);
  const auto npud = record(true, *malformed_loop_, {{"?", params(true)}}, true);
  // How many tokens follow the abort depends on timing; up to the event that aborted, and the
  // way the stream ends, do not.
  for (const auto* r : {&in, &npud}) {
    ASSERT_GE(r->events.size(), 4u);
    const auto& marker = r->events[r->events.size() - 2];
    EXPECT_EQ(marker.kind, OutputKind::kReasoning);
    EXPECT_EQ(marker.text, "");
    EXPECT_EQ(marker.token, -1);
    EXPECT_EQ(marker.index, r->events[r->events.size() - 3].index + 1);
    EXPECT_EQ(r->events.back().status, GenerationStatus::kAborted);
    EXPECT_EQ(r->hooks.back(), std::make_pair(1, 1));
  }
  expect_same(in, npud, 2);  // the status and the reasoning text that aborted
}

}  // namespace
}  // namespace npu::test
