// .hef LLMs through the public genai::LLM API on the HailoRT backend (over the test double, which
// streams scripted tokens as HailoRT does: one read per token, special tokens as text).
#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "hailort_fixture.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"

namespace npu::test {
namespace {

using namespace std::chrono_literals;
using genai::GenerationStatus;
using genai::OutputKind;
using hailort_double::ScriptedToken;

std::vector<ScriptedToken> tokens(std::initializer_list<const char*> texts, std::chrono::milliseconds delay = 0ms) {
  std::vector<ScriptedToken> out;
  for (const char* t : texts) out.push_back({t, delay});
  return out;
}

struct Events {
  std::vector<genai::GenerationOutput> all;
  std::string text(OutputKind kind) const {
    std::string s;
    for (const auto& e : all) {
      if (e.kind == kind) s += e.text;
    }
    return s;
  }
  int count(OutputKind kind) const {
    int n = 0;
    for (const auto& e : all) n += e.kind == kind;
    return n;
  }
  GenerationStatus end() const { return all.empty() ? GenerationStatus::kGenerating : all.back().status; }
};

// GeneratorParams with some fields set (it derives from SamplingParams: no designated initializers).
genai::GeneratorParams params(const std::function<void(genai::GeneratorParams&)>& set) {
  genai::GeneratorParams p;
  set(p);
  return p;
}

Events read_all(genai::Generator& gen) {
  Events ev;
  while (true) {
    auto out = gen.read(5s);
    EXPECT_TRUE(out) << out.error().what();
    if (!out) return ev;
    ev.all.push_back(*out);
    if (out->kind == OutputKind::kEnd) return ev;
  }
}

class HailortLlm : public HailortTest {
 protected:
  void SetUp() override {
    HailortTest::SetUp();
    add_hailo10h();
    auto vdevice = VDevice::create();
    ASSERT_TRUE(vdevice) << vdevice.error().what();
    vdevice_ = std::move(*vdevice);
  }
  std::unique_ptr<genai::LLM> open(const std::string& path, genai::LLMParams params = {}) {
    params.model_path = path;
    auto llm = genai::LLM::create(*vdevice_, params);
    EXPECT_TRUE(llm) << llm.error().what();
    return llm ? std::move(*llm) : nullptr;
  }
  std::unique_ptr<genai::LLM> qwen(std::deque<std::vector<ScriptedToken>> responses) {
    hailort_double::FakeLlm m;
    m.responses = std::move(responses);
    path_ = add_llm("qwen2.5-1.5b.hef", std::move(m));
    return open(path_);
  }
  static genai::ChatMessage message(const std::string& role, const std::string& text) {
    genai::ChatMessage m;
    m.role = role;
    m.content = text;
    return m;
  }
  static std::vector<genai::ChatMessage> user(const std::string& text) { return {message("user", text)}; }
  hailort_double::LlmRecord& record() { return world().llm_records[path_]; }

  std::unique_ptr<VDevice> vdevice_;
  std::string path_;
};

TEST_F(HailortLlm, LoraAndMemoryOptionAndModelFactsReachHailoRT) {
  hailort_double::FakeLlm m;
  m.lora_names = {"support-bot"};
  m.context_capacity = 2048;
  path_ = add_llm("llama.hef", std::move(m));
  auto llm = open(path_, {.lora_name = "support-bot", .optimize_memory_on_device = true});
  ASSERT_TRUE(llm);
  EXPECT_EQ(record().lora, "support-bot");
  EXPECT_TRUE(record().optimize_memory_on_device);
  EXPECT_EQ(llm->info().name, "llama");
  EXPECT_EQ(llm->context_capacity(), 2048u);
  EXPECT_EQ(llm->context_usage(), 0u);
  const auto d = llm->default_params();
  EXPECT_FLOAT_EQ(d.temperature.value_or(0), 0.7f);
  EXPECT_EQ(d.top_k.value_or(0), 20);
  EXPECT_FLOAT_EQ(d.repetition_penalty.value_or(0), 1.1f);

  auto unknown = genai::LLM::create(*vdevice_, {.model_path = path_, .lora_name = "nope"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error().message().find("with LoRA nope"), std::string::npos);
}

TEST_F(HailortLlm, MessagesStreamContentAndTheEndOfTurnIsDropped) {
  auto llm = qwen({tokens({"The", " sky", " is", " blue", ".", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  const auto msgs = user("Why is the sky \"blue\"?");
  auto gen = llm->generate(std::span<const genai::ChatMessage>(msgs));
  ASSERT_TRUE(gen) << gen.error().what();
  const Events ev = read_all(*gen);
  EXPECT_EQ(ev.text(OutputKind::kContent), "The sky is blue.");
  EXPECT_EQ(ev.end(), GenerationStatus::kLogicalEnd);
  EXPECT_EQ(gen->status(), GenerationStatus::kLogicalEnd);
  ASSERT_EQ(record().last_messages.size(), 1u);
  const auto m = nlohmann::json::parse(record().last_messages[0]);
  EXPECT_EQ(m["role"], "user");
  EXPECT_EQ(m["content"], "Why is the sky \"blue\"?");
  const auto stats = gen->stats();
  EXPECT_EQ(stats.generated_tokens, 5u);
  EXPECT_EQ(stats.tbt_runs, 4u);
  EXPECT_GT(stats.host_ttft.count(), 0);
  EXPECT_GT(llm->context_usage(), 0u);
  // Reproducible by default: a fixed seed, not HailoRT's random one.
  ASSERT_TRUE(record().last_params);
  EXPECT_EQ(record().last_params->seed(), static_cast<std::uint32_t>(genai::kDefaultSeed));
}

TEST_F(HailortLlm, RawPromptGoesAsIs) {
  auto llm = qwen({tokens({"4", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("2+2=");
  ASSERT_TRUE(gen) << gen.error().what();
  EXPECT_EQ(read_all(*gen).text(OutputKind::kContent), "4");
  EXPECT_EQ(record().last_prompt, "2+2=");
  EXPECT_EQ(gen->stats().prompt_tokens, 1u);
}

TEST_F(HailortLlm, ReasoningWithStatusHooksAndToolCallSplitAcrossReads) {
  auto llm = qwen({tokens({"<think>", "\n", "User", " wants", " weather", "</think>", "\n\n", "<tool_call>", "\n{\"name\":",
                           " \"get_weather\", \"arguments\": {\"city\":", " \"Paris\"}}\n", "</tool_call>", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  int started = 0, ended = 0;
  llm->set_hooks({.on_think_start = [&] { ++started; }, .on_think_end = [&] { ++ended; }});
  const auto msgs = user("Weather in Paris?");
  const std::vector<std::string> tools{
      R"({"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}})"};
  auto gen = llm->generate(std::span<const genai::ChatMessage>(msgs), params([](auto& p) { p.show_reasoning = true; }), tools);
  ASSERT_TRUE(gen) << gen.error().what();
  const Events ev = read_all(*gen);
  ASSERT_EQ(ev.count(OutputKind::kStatus), 1);
  EXPECT_EQ(ev.all.front().text, "Analyzing...");
  EXPECT_EQ(ev.text(OutputKind::kReasoning), "\nUser wants weather");
  ASSERT_EQ(ev.count(OutputKind::kToolCall), 1);
  const auto call = nlohmann::json::parse(ev.text(OutputKind::kToolCall));
  EXPECT_EQ(call["name"], "get_weather");
  EXPECT_EQ(call["arguments"]["city"], "Paris");
  EXPECT_EQ(ev.text(OutputKind::kContent), "\n\n");
  EXPECT_EQ(started, 1);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(record().last_tools, tools);
}

TEST_F(HailortLlm, MaxTokensDropsTheRecoverySequence) {
  auto llm = qwen({tokens({"a", " b", " c", " d", " e", " f"})});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("count", params([](auto& p) { p.max_generated_tokens = 3; }));
  ASSERT_TRUE(gen);
  const Events ev = read_all(*gen);
  EXPECT_EQ(ev.text(OutputKind::kContent), "a b c");
  EXPECT_EQ(ev.end(), GenerationStatus::kMaxTokensReached);
  EXPECT_EQ(gen->stats().generated_tokens, 3u);
  ASSERT_TRUE(record().last_params);
  EXPECT_EQ(record().last_params->max_generated_tokens(), 3u);
}

TEST_F(HailortLlm, CustomRecoverySequenceOfSeveralTokens) {
  hailort_double::FakeLlm m;
  m.recovery_sequence = "\n<|im_end|>";
  m.responses = {tokens({"x", " y", " z", " w"})};
  path_ = add_llm("qwen.hef", std::move(m));
  auto llm = open(path_, {.recovery_sequence = "<|endoftext|> <|im_end|>"});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("go", params([](auto& p) { p.max_generated_tokens = 2; }));
  ASSERT_TRUE(gen);
  const Events ev = read_all(*gen);
  EXPECT_EQ(ev.text(OutputKind::kContent), "x y");
  EXPECT_EQ(gen->stats().generated_tokens, 2u);
}

TEST_F(HailortLlm, AbortEndsWithAbortedAndTheSessionGoesOn) {
  auto llm = qwen({tokens({"one", " two", " three", " four", " five", "<|im_end|>"}, 30ms), tokens({"ok", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("count");
  ASSERT_TRUE(gen);
  auto first = gen->read(5s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->text, "one");
  gen->abort();
  Events rest = read_all(*gen);
  EXPECT_EQ(rest.end(), GenerationStatus::kAborted);
  EXPECT_EQ(rest.text(OutputKind::kContent).find("<|im_end|>"), std::string::npos);
  EXPECT_EQ(record().aborts, 1);
  // A new generation may start once the last one ended (HailoRT allows one completion at a time).
  auto next = llm->generate("again");
  ASSERT_TRUE(next) << next.error().what();
  EXPECT_EQ(read_all(*next).text(OutputKind::kContent), "ok");
}

TEST_F(HailortLlm, BusyWhileGenerating) {
  auto llm = qwen({tokens({"slow", " text", "<|im_end|>"}, 50ms)});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("go");
  ASSERT_TRUE(gen);
  auto second = llm->generate("again");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kBusy);
  auto clear = llm->clear_context();
  ASSERT_FALSE(clear);
  EXPECT_EQ(clear.error().code(), ErrorCode::kBusy);
  EXPECT_EQ(read_all(*gen).end(), GenerationStatus::kLogicalEnd);
}

TEST_F(HailortLlm, ReadTimeoutLeavesTheGenerationGoing) {
  auto llm = qwen({tokens({"late", "<|im_end|>"}, 300ms)});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("go");
  ASSERT_TRUE(gen);
  auto early = gen->read(20ms);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(early.error().message().find("generation goes on"), std::string::npos);
  EXPECT_EQ(gen->status(), GenerationStatus::kGenerating);
  const Events ev = read_all(*gen);
  EXPECT_EQ(ev.text(OutputKind::kContent), "late");
  EXPECT_EQ(ev.end(), GenerationStatus::kLogicalEnd);
}

TEST_F(HailortLlm, StopStringsStopHailoRTAndTheText) {
  // HailoRT stops on the token sequence " STOP"; a stop string inside a token ("concat" in
  // " concatenate") is caught in the text, and the generation is stopped there.
  auto llm = qwen({tokens({"go", " STOP", " never"}), tokens({"a", " concatenate", " more", " words"})});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("x", params([](auto& p) { p.stop_strings = {" STOP"}; }));
  ASSERT_TRUE(gen);
  Events ev = read_all(*gen);
  EXPECT_EQ(ev.text(OutputKind::kContent), "go STOP");
  EXPECT_EQ(ev.end(), GenerationStatus::kLogicalEnd);
  ASSERT_FALSE(record().stop_token_sets.empty());
  EXPECT_EQ(record().stop_token_sets.back(), (std::vector<std::string>{"<|im_end|>", " STOP"}));
  gen = llm->generate("y", params([](auto& p) { p.stop_strings = {"concat"}; }));
  ASSERT_TRUE(gen);
  ev = read_all(*gen);
  EXPECT_EQ(ev.text(OutputKind::kContent), "a concat");
  EXPECT_EQ(ev.end(), GenerationStatus::kLogicalEnd);
  EXPECT_EQ(record().aborts, 1);  // the text-found stop string stopped HailoRT
  // Back to the model's own stop tokens when no stop strings are given.
  auto plain = llm->generate("z");
  ASSERT_TRUE(plain);
  (void)read_all(*plain);
  EXPECT_EQ(record().stop_token_sets.back(), std::vector<std::string>{"<|im_end|>"});
}

TEST_F(HailortLlm, SamplingSettingsReachHailoRT) {
  auto llm = qwen({tokens({"a", "<|im_end|>"}), tokens({"b", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("x", params([](auto& p) {
    p.temperature = 0.3f;
    p.top_k = 40;
    p.top_p = 0.9f;
    p.repetition_penalty = 1.2f;
    p.seed = 7;
  }));
  ASSERT_TRUE(gen);
  (void)read_all(*gen);
  const auto sent = *record().last_params;
  EXPECT_FLOAT_EQ(sent.temperature(), 0.3f);
  EXPECT_EQ(sent.top_k(), 40u);
  EXPECT_FLOAT_EQ(sent.top_p(), 0.9f);
  EXPECT_FLOAT_EQ(sent.frequency_penalty(), 1.2f);
  EXPECT_EQ(sent.seed(), 7u);
  EXPECT_TRUE(sent.do_sample());
  gen = llm->generate("y", params([](auto& p) { p.greedy = true; }));
  ASSERT_TRUE(gen);
  (void)read_all(*gen);
  EXPECT_FALSE(record().last_params->do_sample());
}

TEST_F(HailortLlm, SettingsHailoRTCannotHonourAreRefusedByName) {
  auto llm = qwen({});
  ASSERT_TRUE(llm);
  struct Case {
    genai::GeneratorParams settings;
    const char* name;
  };
  const Case cases[] = {{params([](auto& p) { p.min_p = 0.1f; }), "min_p"},
                        {params([](auto& p) { p.top_k = 0; }), "top_k"},
                        {params([](auto& p) { p.stop_tokens = {5}; }), "token ids"},
                        {params([](auto& p) { p.return_logits = true; }), "logits"},
                        {params([](auto& p) { p.timing_only = true; }), "timing-only"},
                        {params([](auto& p) { p.seed = 1ull << 40; }), "32-bit"},
                        {params([](auto& p) { p.repetition_window = 16; }), "window"}};
  for (const auto& c : cases) {
    auto gen = llm->generate("x", c.settings);
    ASSERT_FALSE(gen) << c.name;
    EXPECT_NE(gen.error().message().find(c.name), std::string::npos) << gen.error().message();
  }
  const std::vector<genai::TokenId> ids{1, 2, 3};
  auto by_ids = llm->generate(std::span<const genai::TokenId>(ids));
  ASSERT_FALSE(by_ids);
  EXPECT_EQ(by_ids.error().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(llm->prefill(ids));
  EXPECT_FALSE(llm->tokenizer());
  EXPECT_TRUE(llm->logits().empty());
  EXPECT_EQ(record().generations, 0);
}

TEST_F(HailortLlm, ReadFailureIsReportedOnceThenTheEnd) {
  hailort_double::FakeLlm m;
  m.responses = {tokens({"a", " b", " c", "<|im_end|>"})};
  m.read_failure = std::make_pair(std::size_t{2}, HAILO_RPC_FAILED);
  path_ = add_llm("qwen.hef", std::move(m));
  auto llm = open(path_);
  ASSERT_TRUE(llm);
  auto gen = llm->generate("x");
  ASSERT_TRUE(gen);
  std::string content;
  std::optional<Error> error;
  for (int i = 0; i < 10 && !error; ++i) {
    auto out = gen->read(5s);
    if (!out) error = out.error();
    else content += out->text;
  }
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kDeviceLost);
  EXPECT_NE(error->message().find("reading the generation"), std::string::npos);
  EXPECT_EQ(content, "a b");
  auto after = gen->read(1s);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->kind, OutputKind::kEnd);
  EXPECT_EQ(after->status, GenerationStatus::kFailed);
}

TEST_F(HailortLlm, TokenizeUsesHailoRT) {
  auto llm = qwen({});
  ASSERT_TRUE(llm);
  auto ids = llm->tokenize("Hello big world<|im_end|>");
  ASSERT_TRUE(ids) << ids.error().what();
  EXPECT_EQ(ids->size(), 4u);
}

TEST_F(HailortLlm, ContextClearSaveAndLoad) {
  auto llm = qwen({tokens({"hi", " there", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  const auto msgs = user("hello");
  auto gen = llm->generate(std::span<const genai::ChatMessage>(msgs));
  ASSERT_TRUE(gen);
  (void)read_all(*gen);
  const auto used = llm->context_usage();
  ASSERT_GT(used, 0u);
  const auto file = dir_ / "chat.ctx";
  ASSERT_TRUE(llm->save_context(file));
  ASSERT_TRUE(llm->clear_context());
  EXPECT_EQ(llm->context_usage(), 0u);
  ASSERT_TRUE(llm->load_context(file));
  EXPECT_EQ(llm->context_usage(), used);

  // Another model refuses it, naming both.
  const auto other_path = add_llm("llama.hef", {});
  auto other = open(other_path);
  ASSERT_TRUE(other);
  auto wrong = other->load_context(file);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(wrong.error().message().find("'qwen2.5-1.5b'"), std::string::npos) << wrong.error().message();
  EXPECT_NE(wrong.error().message().find("'llama'"), std::string::npos);

  // A damaged file is refused, not loaded.
  std::ofstream(dir_ / "bad.ctx") << "NPUSTACK-HAILORT-CONTEXT 1\n{\"model\":\"qwen2.5-1.5b\",\"bytes\":999}\nshort";
  auto bad = llm->load_context(dir_ / "bad.ctx");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadFormat);
  std::ofstream(dir_ / "junk.ctx") << "junk";
  EXPECT_EQ(llm->load_context(dir_ / "junk.ctx").error().code(), ErrorCode::kBadFormat);
}

// Messages are the whole conversation: what HailoRT's context holds (the messages sent and the
// answer read) is not sent again; a conversation that does not extend it starts over.
TEST_F(HailortLlm, AConversationSendsOnlyWhatTheContextLacks) {
  auto llm = qwen({tokens({"Hello", "<|im_end|>"}), tokens({"Fine", "<|im_end|>"}), tokens({"Again", "<|im_end|>"}),
                   tokens({"Cut", " short"}), tokens({"Over", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  const std::vector<std::string> tools{R"({"type":"function","function":{"name":"f","parameters":{}}})"};
  std::vector<genai::ChatMessage> conv{message("system", "Be brief."), message("user", "hi")};
  auto turn = [&](const genai::GeneratorParams& p = {}) {
    auto gen = llm->generate(std::span<const genai::ChatMessage>(conv), p, tools);
    EXPECT_TRUE(gen) << gen.error().what();
    if (!gen) return std::pair<Events, genai::GenerationStats>{};
    auto ev = read_all(*gen);
    return std::pair{ev, gen->stats()};
  };
  auto [first, first_stats] = turn();
  EXPECT_EQ(first.text(OutputKind::kContent), "Hello");
  EXPECT_EQ(record().last_messages.size(), 2u);
  EXPECT_EQ(record().last_tools.size(), 1u);
  EXPECT_EQ(first_stats.cached_tokens, 0u);
  const auto used = llm->context_usage();
  ASSERT_GT(used, 0u);

  // Extended by the answer and a question: only the question goes (the tools are HailoRT's already).
  conv.push_back(message("assistant", "Hello"));
  conv.push_back(message("user", "how are you?"));
  auto [second, second_stats] = turn();
  EXPECT_EQ(second.text(OutputKind::kContent), "Fine");
  ASSERT_EQ(record().last_messages.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(record().last_messages[0])["content"], "how are you?");
  EXPECT_TRUE(record().last_tools.empty());
  EXPECT_EQ(second_stats.cached_tokens, used);
  EXPECT_EQ(record().clears, 0);

  // The earlier answer edited: HailoRT's context no longer matches, so it is cleared and all goes.
  conv[2].content = "Hi!";
  auto [third, third_stats] = turn();
  EXPECT_EQ(record().clears, 1);
  EXPECT_EQ(record().last_messages.size(), 4u);
  EXPECT_EQ(record().last_tools.size(), 1u);
  EXPECT_EQ(third_stats.cached_tokens, 0u);

  // An answer cut short by the token limit is not a conversation HailoRT holds as given.
  conv.push_back(message("assistant", "Again"));
  conv.push_back(message("user", "go on"));
  (void)turn(params([](auto& p) { p.max_generated_tokens = 2; }));
  EXPECT_EQ(record().clears, 1);  // (this one extended the conversation)
  EXPECT_EQ(record().last_messages.size(), 1u);
  conv.push_back(message("assistant", "Cut short"));
  conv.push_back(message("user", "and?"));
  (void)turn();
  EXPECT_EQ(record().clears, 2);
  EXPECT_EQ(record().last_messages.size(), 8u);

  // A system message only opens a conversation.
  conv.push_back(message("assistant", "Over"));
  conv.push_back(message("system", "Be verbose."));
  auto refused = llm->generate(std::span<const genai::ChatMessage>(conv), {}, tools);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("only open the conversation"), std::string::npos);
}

TEST_F(HailortLlm, AConversationAfterARawPromptStartsOver) {
  auto llm = qwen({tokens({"hi", "<|im_end|>"}), tokens({"x", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("hello");
  ASSERT_TRUE(gen);
  (void)read_all(*gen);
  const std::vector<genai::ChatMessage> msgs{message("system", "Be brief."), message("user", "hi")};
  auto fresh = llm->generate(std::span<const genai::ChatMessage>(msgs));
  ASSERT_TRUE(fresh) << fresh.error().what();
  (void)read_all(*fresh);
  EXPECT_EQ(record().clears, 1);
  EXPECT_EQ(record().last_messages.size(), 2u);
}

TEST_F(HailortLlm, MalformedMessagesAndToolsAreRefused) {
  auto llm = qwen({});
  ASSERT_TRUE(llm);
  const std::vector<genai::ChatMessage> no_role{message("", "x")};
  EXPECT_EQ(llm->generate(std::span<const genai::ChatMessage>(no_role)).error().code(), ErrorCode::kInvalidArgument);
  const auto msgs = user("x");
  const std::vector<std::string> bad_tools{"[not json"};
  auto bad = llm->generate(std::span<const genai::ChatMessage>(msgs), {}, bad_tools);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("not a JSON object"), std::string::npos);
}

TEST_F(HailortLlm, AnotherSessionLoadsTheSameModel) {
  auto llm = qwen({tokens({"a", "<|im_end|>"})});
  ASSERT_TRUE(llm);
  auto gen = llm->generate("x");
  ASSERT_TRUE(gen);
  (void)read_all(*gen);
  auto second = llm->create_session();
  ASSERT_TRUE(second) << second.error().what();
  EXPECT_EQ((*second)->info().name, llm->info().name);
}

TEST_F(HailortLlm, NpkOnAHailoIsAClearError) {
  auto llm = genai::LLM::create(*vdevice_, {.model_path = hef_file("lfm2.npk")});
  ASSERT_FALSE(llm);
  EXPECT_EQ(llm.error().code(), ErrorCode::kUnsupported);
  auto missing = genai::LLM::create(*vdevice_, {.model_path = dir_ / "missing.hef"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(HailortLlm, HefOptionsOnAnNpkAreRefused) {
  VDeviceParams p;
  p.device_ids = {"sim:0"};
  auto sim = VDevice::create(p);
  ASSERT_TRUE(sim) << sim.error().what();
  auto llm = genai::LLM::create(**sim, {.model_path = hef_file("lfm2.npk"), .lora_name = "support-bot"});
  ASSERT_FALSE(llm);
  EXPECT_EQ(llm.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(llm.error().message().find("options of .hef models"), std::string::npos) << llm.error().message();
}

}  // namespace
}  // namespace npu::test
