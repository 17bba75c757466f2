// The fixture of the event tests (llm_events_test.cpp, llm_events_stop_test.cpp): two scripted
// models (scripted_model.hpp) compiled once per run, a VDevice per test, and event helpers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"
#include "scripted_model.hpp"

namespace npu::test {

using genai::GenerationOutput;
using genai::GenerationStatus;
using genai::OutputKind;

// prompt ... "\n" -> thinking -> content -> one tool call -> end of turn.
inline const ScriptChain kThinkTool{"\n", "<think>", "Let", " me think", "</think>", "Sure", ", calling",
                                    "<|tool_call_start|>", "[f(a=\"x\",", " n=[1,", " {\"k\":", " None}])]",
                                    "<|tool_call_end|>", "<|im_end|>"};
// A call that does not parse, then the end of turn.
inline const ScriptChain kMalformed{"\n", "Hmm", "<|tool_call_start|>", "[f(a=", "<|tool_call_end|>", "<|im_end|>"};
// Thinking that never ends.
inline const ScriptChain kThinkLoop{"?", "<think>", "again", " and again", "again"};

inline std::filesystem::path events_temp_file(const std::string& name) {
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
                                  events_temp_file("a.npk"));
    ASSERT_TRUE(a.has_value()) << a.error().what();
    think_tool_ = new ScriptedModel(std::move(*a));
    auto b = build_scripted_model({.name = "scripted-malformed-loop", .chains = {kMalformed, kThinkLoop},
                                   .context_length = 128},
                                  events_temp_file("b.npk"));
    ASSERT_TRUE(b.has_value()) << b.error().what();
    malformed_loop_ = new ScriptedModel(std::move(*b));
  }
  static void TearDownTestSuite() {
    delete think_tool_;
    delete malformed_loop_;
    std::filesystem::remove_all(events_temp_file("").parent_path());
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

  inline static ScriptedModel* think_tool_ = nullptr;
  inline static ScriptedModel* malformed_loop_ = nullptr;
  std::unique_ptr<VDevice> vdevice_;
};

}  // namespace npu::test
