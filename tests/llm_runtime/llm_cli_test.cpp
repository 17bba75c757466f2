// `npu generate`, `npu bench`, `npu chat` and `npu tokenize` run as the built binary on a tiny compiled model:
// their JSON parses and carries the documented fields, and greedy tokens equal the library's.
// On the scripted model (scripted_model.hpp): thinking, hooks and tool calls as the CLI shows them.
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "npu/genai/model_text.hpp"
#include "llm_fixture.hpp"
#include "scripted_model.hpp"

namespace npu::test {
namespace {

class LlmCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new TinyLlm(compile_tiny("default", 11, "cli.npk")); }
  static void TearDownTestSuite() { delete model_; }
  static std::string model() { return "\"" + model_->path.string() + "\""; }
  static TinyLlm* model_;
};
TinyLlm* LlmCliTest::model_ = nullptr;

TEST_F(LlmCliTest, GenerateJsonHasOneObjectPerTokenThenASummary) {
  auto r = run_npu("generate " + model() + " --tokens 20,57,94,131 --greedy --ignore-eos --max-tokens 5 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  std::vector<genai::TokenId> cli;
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(lines[i]["index"], i);
    ASSERT_TRUE(lines[i]["token"].is_number_integer());
    EXPECT_TRUE(lines[i]["text"].is_string());
    EXPECT_FALSE(lines[i].contains("logits"));
    cli.push_back(lines[i]["token"].get<genai::TokenId>());
  }
  const auto& s = lines[5];
  EXPECT_EQ(s["summary"], true);
  EXPECT_EQ(s["prompt_tokens"], 4);
  EXPECT_EQ(s["generated_tokens"], 5);
  EXPECT_GT(s["ttft_s"].get<double>(), 0.0);
  EXPECT_GT(s["decode_tokens_per_s"].get<double>(), 0.0);
  EXPECT_TRUE(s.contains("host_decode_tokens_per_s"));
  // The simulated device reports modeled energy: the whole generation and per generated token.
  ASSERT_TRUE(s["energy_j"].is_number()) << s.dump();
  EXPECT_GT(s["energy_j"].get<double>(), 0.0);
  ASSERT_TRUE(s["energy_j_per_token"].is_number()) << s.dump();
  EXPECT_GT(s["energy_j_per_token"].get<double>(), 0.0);
  EXPECT_LT(s["energy_j_per_token"].get<double>(), s["energy_j"].get<double>());

  // The same tokens through the library.
  auto v = VDevice::create();
  ASSERT_TRUE(v.has_value());
  auto llm = genai::LLM::create(**v, {.model_path = model_->path});
  ASSERT_TRUE(llm.has_value());
  std::vector<genai::TokenId> prompt{20, 57, 94, 131};
  auto gen = (*llm)->generate(prompt, greedy(5));
  ASSERT_TRUE(gen.has_value());
  EXPECT_EQ(drain_tokens(*gen), cli);
}

TEST_F(LlmCliTest, GenerateLogitsCarryTheVectorThatChoseEachToken) {
  auto r = run_npu("generate " + model() + " --tokens 5,6,7 --greedy --ignore-eos --max-tokens 2 --json --logits");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  for (std::size_t i = 0; i < 2; ++i) {
    auto logits = lines[i]["logits"].get<std::vector<float>>();
    ASSERT_EQ(logits.size(), 300u);
    auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
    EXPECT_EQ(best, lines[i]["token"].get<int>());  // greedy: the argmax of its logits
  }
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = llm_temp(name);
  std::ofstream(path) << text;
  return "\"" + path.string() + "\"";
}

TEST_F(LlmCliTest, TokenizeTextAsTheLibraryDoes) {
  auto r = run_npu("tokenize " + model() + " --text \"Hello <|im_start|>world\" --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  auto text = genai::ModelText::open(model_->path);
  ASSERT_TRUE(text) << text.error().what();
  auto ids = (*text->tokenizer())->encode("Hello <|im_start|>world");
  ASSERT_TRUE(ids);
  EXPECT_EQ(j["tokens"].get<std::vector<genai::TokenId>>(), *ids);
  EXPECT_EQ(j["count"], ids->size());
  EXPECT_EQ(j["prompt"], "Hello <|im_start|>world");
  ASSERT_EQ(j["pieces"].size(), ids->size());
  // --no-special: no BOS, and the marker text is plain text.
  auto plain = run_npu("tokenize " + model() + " --text \"Hello <|im_start|>world\" --no-special --json");
  ASSERT_EQ(plain.exit_code, 0);
  const auto p = nlohmann::json::parse(plain.out)["tokens"].get<std::vector<genai::TokenId>>();
  auto plain_ids = (*text->tokenizer())->encode("Hello <|im_start|>world", {.add_special = false, .parse_special = false});
  EXPECT_EQ(p, *plain_ids);
  EXPECT_GT(p.size(), ids->size() - 1);  // the marker is several tokens now
}

TEST_F(LlmCliTest, TokenizeMessagesRendersTheTemplate) {
  const std::string messages = write_temp("tok-messages.json",
      R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
          "tools": [{"name": "f", "description": "ünï"}]})");
  auto r = run_npu("tokenize " + model() + " --messages " + messages + " --add-generation-prompt --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  // The tiny model ships no template: the built-in LFM2 one.
  EXPECT_EQ(j["prompt"], "<|startoftext|><|im_start|>system\nBe brief.\nList of tools: <|tool_list_start|>"
                         "[{\"name\": \"f\", \"description\": \"ünï\"}]<|tool_list_end|><|im_end|>\n"
                         "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  auto text = genai::ModelText::open(model_->path);
  ASSERT_TRUE(text);
  auto prompt = text->apply_chat_template_json(
      R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])",
      R"([{"name": "f", "description": "ünï"}])", {.add_generation_prompt = true, .template_kwargs_json = {}});
  ASSERT_TRUE(prompt) << prompt.error().what();
  EXPECT_EQ(j["prompt"], prompt->text);
  EXPECT_EQ(j["tokens"].get<std::vector<genai::TokenId>>(), prompt->tokens);
  EXPECT_EQ(prompt->tokens.front(), 1);  // BOS once: the template wrote it
  EXPECT_NE(prompt->tokens[1], 1);
  // Text output: the prompt, then one "id -> piece" line per token.
  auto t = run_npu("tokenize " + model() + " --messages " + messages);
  ASSERT_EQ(t.exit_code, 0);
  auto no_generation_prompt = text->apply_chat_template_json(
      R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])",
      R"([{"name": "f", "description": "ünï"}])", {.add_generation_prompt = false, .template_kwargs_json = {}});
  ASSERT_TRUE(no_generation_prompt);
  EXPECT_LT(no_generation_prompt->tokens.size(), prompt->tokens.size());
  EXPECT_NE(t.out.find("--- " + std::to_string(no_generation_prompt->tokens.size()) + " tokens"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("     1 -> \"<|startoftext|>\""), std::string::npos) << t.out;
}

TEST_F(LlmCliTest, TokenizeRunsTheModelsOwnTemplateWithKwargs) {
  const TinyLlm own = compile_tiny("default", 11, "cli-own-template.npk",
                                   "{{ bos_token }}{% for m in messages %}[{{ m.role | upper }}] {{ m.content | trim }}\n"
                                   "{% endfor %}{% if add_generation_prompt %}[ASSISTANT]{% endif %}"
                                   "{% if enable_thinking is defined and not enable_thinking %} /no_think{% endif %}");
  const std::string messages = write_temp("tok-own.json", R"([{"role": "user", "content": "  Hi\u3000"}])");
  auto r = run_npu("tokenize \"" + own.path.string() + "\" --messages " + messages +
                   " --add-generation-prompt --template-kwargs '{\"enable_thinking\": false}' --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["prompt"], "<|startoftext|>[USER] Hi\n[ASSISTANT] /no_think");
  // Errors: both inputs, kwargs that are not an object, a missing file.
  EXPECT_EQ(run_npu("tokenize " + model() + " --text x --messages " + messages + " 2>/dev/null").exit_code, 1);
  EXPECT_EQ(run_npu("tokenize " + model() + " --messages " + messages + " --template-kwargs '[1]' 2>/dev/null").exit_code, 1);
  EXPECT_EQ(run_npu("tokenize " + model() + " --messages /nonexistent.json 2>/dev/null").exit_code, 1);
}

TEST_F(LlmCliTest, GenerateRefusesBadInputWithAMessage) {
  EXPECT_EQ(run_npu("generate " + model() + " --tokens 1,x,3 2>/dev/null").exit_code, 1);
  EXPECT_EQ(run_npu("generate " + model() + " 2>/dev/null").exit_code, 1);
  EXPECT_EQ(run_npu("generate /nonexistent.npk --tokens 1 2>/dev/null").exit_code, 1);
}

TEST_F(LlmCliTest, BenchJsonCarriesTheFiguresAndFairness) {
  auto r = run_npu("bench " + model() + " --prompt-tokens 8 --gen-tokens 6 --sessions 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  for (const char* key : {"load_s", "ttft_s", "decode_tokens_per_s", "host_decode_tokens_per_s",
                          "energy_j_per_token", "device_cycles", "ddr_bytes_per_token",
                          "device_utilisation", "jain_fairness", "context_switches"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["ttft_s"].get<double>(), 0.0);
  EXPECT_GT(j["device_cycles"].get<std::uint64_t>(), 0u);
  ASSERT_EQ(j["sessions"].size(), 2u);
  for (const auto& session : j["sessions"]) EXPECT_GT(session.value("device_tokens_per_s", 0.0), 0.0) << session;
  EXPECT_GT(j["jain_fairness"].get<double>(), 0.5);
  EXPECT_LE(j["jain_fairness"].get<double>(), 1.0);
}

TEST_F(LlmCliTest, BenchTimingOnlyRuns) {
  auto r = run_npu("bench " + model() + " --gen-tokens 4 --timing-only --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["timing_only"], true);
  EXPECT_GT(j["decode_tokens_per_s"].get<double>(), 0.0);
}

TEST_F(LlmCliTest, ChatFromAPipeSavesResetsAndLoads) {
  auto ctx = llm_temp("chat.ctx");
  auto input = llm_temp("chat_input.txt");
  {
    std::ofstream f(input);
    f << "hi\nmore\n/save " << ctx.string() << "\n/reset\n/load " << ctx.string() << "\n/bogus\n/quit\n";
  }
  auto r = run_npu("chat " + model() + " --max-tokens 4", input.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Two turns of one conversation (each passed whole): two questions and two answers are kept.
  EXPECT_NE(r.out.find("[context saved:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokens, 4 messages]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[context cleared]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[context loaded:"), std::string::npos) << r.out;
  std::ifstream saved(ctx.string() + ".chat.json");
  const auto conv = nlohmann::json::parse(saved, nullptr, /*allow_exceptions=*/false);
  ASSERT_EQ(conv.size(), 4u);
  EXPECT_EQ(conv[0]["role"], "user");
  EXPECT_EQ(conv[0]["content"], "hi");
  EXPECT_EQ(conv[1]["role"], "assistant");
  EXPECT_EQ(conv[2]["content"], "more");
  EXPECT_NE(r.out.find("[unknown command"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(ctx));
}

// The scripted model thinks, answers, calls f(...) and ends its turn after "\n".
class ScriptedCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = build_scripted_model(
        {.name = "scripted-cli",
         .chains = {{"\n", "<think>", "Let", " me think", "</think>", "Sure", ", calling", "<|tool_call_start|>",
                     "[f(a=\"x\",", " n=[1,", " {\"k\":", " None}])]", "<|tool_call_end|>", "<|im_end|>"}}},
        llm_temp("scripted_cli.npk"));
    ASSERT_TRUE(m.has_value()) << m.error().what();
    model_ = new ScriptedModel(std::move(*m));
  }
  static void TearDownTestSuite() { delete model_; }
  static std::string model() { return "\"" + model_->path.string() + "\""; }
  // --on-think-start / --on-think-end commands that append to `log`.
  static std::string hook_flags(const std::filesystem::path& log) {
    return " --on-think-start 'echo start >> \"" + log.string() + "\"' --on-think-end 'echo end >> \"" +
           log.string() + "\"'";
  }
  static std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  static ScriptedModel* model_;
};
ScriptedModel* ScriptedCliTest::model_ = nullptr;

TEST_F(ScriptedCliTest, GenerateJsonPrintsTheToolCallAndRunsTheThinkHooks) {
  const auto log = llm_temp("generate_hooks.log");
  std::filesystem::remove(log);
  auto r = run_npu("generate " + model() + " --tokens " + std::to_string(model_->id("\n")) + " --greedy --json" +
                   hook_flags(log));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_file(log), "start\nend\n");  // each hook ran once, in order
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0]["kind"], "status");
  EXPECT_EQ(lines[0]["text"], "Analyzing...");
  EXPECT_EQ(lines[1]["kind"], "reasoning");  // the end of thinking; the reasoning itself is hidden
  EXPECT_EQ(lines[1]["text"], "");
  EXPECT_EQ(lines[2]["text"], "Sure");
  EXPECT_EQ(lines[3]["text"], ", calling");
  EXPECT_EQ(lines[4]["kind"], "tool_call");
  EXPECT_EQ(lines[4]["token"], model_->id("<|tool_call_end|>"));
  EXPECT_EQ(lines[4]["call"], nlohmann::json::parse(R"({"name":"f","arguments":{"a":"x","n":[1,{"k":null}]}})"));
  EXPECT_EQ(lines[5]["summary"], true);
  EXPECT_EQ(lines[5]["status"], "logical_end");
  EXPECT_EQ(lines[5]["generated_tokens"], 12);
}

TEST_F(ScriptedCliTest, GenerateShowsReasoningOnlyWhenAsked) {
  const std::string tokens = " --tokens " + std::to_string(model_->id("\n")) + " --greedy";
  auto hidden = run_npu("generate " + model() + tokens);
  ASSERT_EQ(hidden.exit_code, 0) << hidden.out;
  EXPECT_EQ(hidden.out.find("Let me think"), std::string::npos) << hidden.out;
  EXPECT_NE(hidden.out.find(R"(Sure, calling{"name":"f")"), std::string::npos) << hidden.out;
  auto shown = run_npu("generate " + model() + tokens + " --show-reasoning");
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_NE(shown.out.find("Let me thinkSure, calling"), std::string::npos) << shown.out;
  // A stop token given on the command line ends the turn early.
  auto stopped = run_npu("generate " + model() + tokens + " --json --stop-tokens " +
                         std::to_string(model_->id(", calling")));
  ASSERT_EQ(stopped.exit_code, 0) << stopped.out;
  auto lines = json_lines(stopped.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["generated_tokens"], 5);
  EXPECT_EQ(lines.back()["status"], "logical_end");
}

TEST_F(ScriptedCliTest, ChatShowsAnalyzingReasoningOnRequestAndTheCall) {
  const auto log = llm_temp("chat_hooks.log");
  const auto input = llm_temp("scripted_chat_input.txt");
  {
    std::ofstream f(input);
    f << "call f please\n/quit\n";
  }
  std::filesystem::remove(log);
  auto r = run_npu("chat " + model() + hook_flags(log), input.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_file(log), "start\nend\n");
  EXPECT_NE(r.out.find("[Analyzing...]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Let me think"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Sure, calling"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"([tool call] {"name":"f","arguments":{"a":"x","n":[1,{"k":null}]}})"), std::string::npos)
      << r.out;
  auto shown = run_npu("chat " + model() + " --show-reasoning", input.string());
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_NE(shown.out.find("[Analyzing...]Let me think\nSure, calling"), std::string::npos) << shown.out;
}

TEST_F(ScriptedCliTest, AFailingHookIsReportedAndGenerationGoesOn) {
  auto r = run_npu("generate " + model() + " --tokens " + std::to_string(model_->id("\n")) +
                   " --greedy --on-think-start 'exit 3' 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("think hook 'exit 3' exited"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Sure, calling"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace npu::test
