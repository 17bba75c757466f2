// `npu generate`, `npu bench` and `npu chat` run as the built binary on a tiny compiled model:
// their JSON parses and carries the documented fields, and greedy tokens equal the library's.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "llm_fixture.hpp"

namespace npu::test {
namespace {

struct Result {
  int exit_code = -1;
  std::string out;
};

Result run_npu(const std::string& args, const std::string& stdin_file = {}) {
  std::string cmd = std::string("\"") + NPU_CLI_PATH + "\" " + args;
  if (!stdin_file.empty()) cmd += " < \"" + stdin_file + "\"";
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    out.push_back(j);
  }
  return out;
}

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
    f << "hello there\n/save " << ctx.string() << "\n/reset\n/load " << ctx.string() << "\n/bogus\n/quit\n";
  }
  auto r = run_npu("chat " + model() + " --max-tokens 4", input.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("[context saved:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[context cleared]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[context loaded:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[unknown command"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(ctx));
}

}  // namespace
}  // namespace npu::test
