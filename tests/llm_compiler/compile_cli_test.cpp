// `npu compile` for LLM inputs, through the built binary: synthetic configs by path and built-in
// shapes by name, GGUF files, and clear errors (unknown architecture, unknown model name, bad
// policy, truncated file, context that does not fit) with exit code 1.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llm_test_util.hpp"
#include "npu/common/npk_reader.hpp"
#include "npu/compiler/gguf_model_export.hpp"

namespace npu::compiler::llm {
namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

Result npu_cli(const std::string& args) {
  const auto err_path = testing::temp_path("stderr.txt");
  const std::string cmd = std::string(NPU_CLI_PATH) + " " + args + " 2>" + err_path.string();
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_path);
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(err_path);
  return r;
}

const char* kTinyConfig = R"({"model_type": "lfm2", "hidden_size": 64, "num_hidden_layers": 3,
  "num_attention_heads": 4, "num_key_value_heads": 2, "block_ff_dim": 144, "block_auto_adjust_ff_dim": true,
  "block_multiple_of": 16, "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "norm_eps": 1e-5,
  "rope_theta": 1000000.0, "max_position_embeddings": 4096, "tie_embedding": true, "vocab_size": 300,
  "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0, "layer_types": ["conv", "full_attention", "conv"]})";

class CompileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::temp_path("tiny.config.json");
    out_ = testing::temp_path("out.npk");
    std::ofstream(config_) << kTinyConfig;
  }
  void TearDown() override {
    std::filesystem::remove(config_);
    std::filesystem::remove(out_);
  }
  std::filesystem::path config_, out_;
};

TEST_F(CompileCli, SyntheticConfigByPathWritesAnLlmNpk) {
  const Result r = npu_cli(fmt::format("compile --synthetic {} -o {} --context 256 --prefill-chunk 16 "
                                       "--calib-tokens 48 --json", config_.string(), out_.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "llm");
  EXPECT_EQ(j["policy"], "default");
  EXPECT_EQ(j["kv_cache"], "int8");
  EXPECT_EQ(j["context_length"], 256);
  EXPECT_EQ(j["sqnr"].size(), 3u);
  EXPECT_EQ(j["calibration_tokens"], 48);
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no progress bar when not on a terminal";
  auto f = npk::NpkFile::open(out_);
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_NE(f->find(npk::SectionType::kProgram, "tbt"), nullptr);
}

// Without --context: the smaller of 4096 and the trained context, and the command says so.
TEST_F(CompileCli, ContextDefaultsToTheTrainedContextWhenSmaller) {
  std::string config = kTinyConfig;
  config.replace(config.find("\"max_position_embeddings\": 4096"), 31, "\"max_position_embeddings\": 2048");
  std::ofstream(config_) << config;
  const Result r = npu_cli(fmt::format("compile --synthetic {} -o {} --prefill-chunk 16 --calib-tokens 16 --json",
                                       config_.string(), out_.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["context_length"], 2048);
  EXPECT_NE(r.err.find("2048 positions (the model's trained context"), std::string::npos) << r.err;
  std::ofstream(config_) << kTinyConfig;  // trained on 4096: the default
  const Result d = npu_cli(fmt::format("compile --synthetic {} -o {} --prefill-chunk 16 --calib-tokens 16 --json",
                                       config_.string(), out_.string()));
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(nlohmann::json::parse(d.out)["context_length"], 4096);
  EXPECT_NE(d.err.find("4096 positions (the default"), std::string::npos) << d.err;
}

TEST_F(CompileCli, HumanOutputPrintsTheSqnrReport) {
  const Result r = npu_cli(fmt::format("compile --synthetic {} -o {} --context 256 --prefill-chunk 16 "
                                       "--calib-tokens 32 --policy w4a8", config_.string(), out_.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("SQNR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layer   1 attention w4a8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("top-1 agreement"), std::string::npos) << r.out;
}

TEST_F(CompileCli, GgufInputCompiles) {
  auto model = testing::make_tiny(testing::tiny_lfm2("ca"));
  const auto gguf = testing::temp_path("tiny.gguf");
  GgufExportOptions eo;
  auto tok = make_synthetic_tokenizer(300);
  ASSERT_TRUE(tok);
  eo.tokenizer = *tok;
  ASSERT_TRUE(write_model_gguf(gguf, model.source.config, *model.weights, eo));
  const Result ok = npu_cli(fmt::format("compile {} -o {} --context 512 --prefill-chunk 8 --policy fp32 --calib-tokens 16 --json",
                                        gguf.string(), out_.string()));
  EXPECT_EQ(ok.code, 0) << ok.err;
  // Truncated: cut the file in half.
  const auto size = std::filesystem::file_size(gguf);
  std::filesystem::resize_file(gguf, size / 2);
  const Result bad = npu_cli(fmt::format("compile {} -o {}", gguf.string(), out_.string()));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("npu compile:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find(gguf.filename().string()), std::string::npos) << bad.err;
  std::filesystem::remove(gguf);
}

TEST_F(CompileCli, BuiltinShapeIsFoundByName) {
  // The name resolves (the error is about the context, not the model); a full 1.2B compile is too slow here.
  const Result r = npu_cli(fmt::format("compile --synthetic LFM2.5-1.2B-Thinking -o {} --context 100", out_.string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--context 100"), std::string::npos) << r.err;
  const Result unknown = npu_cli(fmt::format("compile --synthetic gpt-5 -o {}", out_.string()));
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("lfm2.5-1.2b, lfm2-350m, qwen2-1.5b"), std::string::npos) << unknown.err;
}

TEST_F(CompileCli, ClearErrors) {
  std::ofstream(config_) << R"({"model_type": "gpt_neox", "hidden_size": 64})";
  const Result arch = npu_cli(fmt::format("compile --synthetic {} -o {}", config_.string(), out_.string()));
  EXPECT_EQ(arch.code, 1);
  EXPECT_NE(arch.err.find("gpt_neox"), std::string::npos) << arch.err;
  std::ofstream(config_) << kTinyConfig;
  const Result policy = npu_cli(fmt::format("compile --synthetic {} -o {} --policy w2a2", config_.string(), out_.string()));
  EXPECT_EQ(policy.code, 1);
  EXPECT_NE(policy.err.find("w2a2"), std::string::npos) << policy.err;
  const Result missing = npu_cli(fmt::format("compile /nonexistent/model.gguf -o {}", out_.string()));
  EXPECT_EQ(missing.code, 1);
  const Result profile = npu_cli(fmt::format("compile --synthetic {} -o {} --profile nosuch", config_.string(), out_.string()));
  EXPECT_EQ(profile.code, 1);
  EXPECT_NE(profile.err.find("nosuch"), std::string::npos) << profile.err;
  EXPECT_FALSE(std::filesystem::exists(out_));
}

}  // namespace
}  // namespace npu::compiler::llm
