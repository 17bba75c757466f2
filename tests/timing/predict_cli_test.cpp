// `npu predict` through the built binary: side-by-side modeled figures of built-in shapes on a
// device profile (JSON), a model that does not fit reported with its numbers, and clear errors.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

Result npu_cli(const std::string& args) {
  const auto err_path = std::filesystem::temp_directory_path() / ("npu_predict_err_" + std::to_string(::getpid()));
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

TEST(NpuPredict, SideBySideFiguresOfTwoModels) {
  const Result r = npu_cli("predict lfm2-350m qwen2-1.5b --prompt-tokens 96 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["profile"], "hailo10h");
  EXPECT_EQ(j["policy"], "w4a8");
  ASSERT_EQ(j["models"].size(), 2u);
  const auto& small = j["models"][0];
  const auto& big = j["models"][1];
  for (const auto* m : {&small, &big}) {
    EXPECT_TRUE((*m)["fits"].get<bool>());
    EXPECT_GT((*m)["load_s"].get<double>(), 0.0);
    ASSERT_EQ((*m)["ttft"].size(), 1u);
    EXPECT_GT((*m)["ttft"][0]["ttft_s"].get<double>(), 0.0);
    EXPECT_EQ((*m)["decode_short"]["bound"], "memory");
    // Longer context: more KV cache to read per token, so slower.
    EXPECT_LT((*m)["decode_long"]["tokens_per_s"].get<double>(), (*m)["decode_short"]["tokens_per_s"].get<double>());
    EXPECT_GT((*m)["decode_long"]["position"].get<double>(), (*m)["decode_short"]["position"].get<double>());
    EXPECT_GT((*m)["decode_short"]["energy_j_per_token"].get<double>(), 0.0);
    EXPECT_GT((*m)["device_memory"]["bytes"].get<double>(), 0.0);
  }
  EXPECT_GT(small["decode_short"]["tokens_per_s"].get<double>(), big["decode_short"]["tokens_per_s"].get<double>());
  EXPECT_LT(small["load_s"].get<double>(), big["load_s"].get<double>());
  // The calibration shape lands near Hailo's published 8.18 tokens/s (the profile's own check).
  EXPECT_NEAR(big["decode_short"]["tokens_per_s"].get<double>(), 8.18, 0.10 * 8.18);
  EXPECT_DOUBLE_EQ(j["uncertainty"]["relative"].get<double>(), 0.08);
  EXPECT_FALSE(j["uncertainty"]["evidence"].get<std::string>().empty());
}

TEST(NpuPredict, Qwen3ShapesWithQkNorms) {
  const Result r = npu_cli("predict qwen3-0.6b qwen3-1.7b --prompt-tokens 96 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["models"].size(), 2u);
  const auto& small = j["models"][0];
  const auto& big = j["models"][1];
  // Published sizes: 0.6B and 1.7B parameters (tied embeddings), q/k norms in every layer.
  EXPECT_NEAR(small["parameters"].get<double>(), 0.596e9, 0.01e9);
  EXPECT_NEAR(big["parameters"].get<double>(), 1.72e9, 0.02e9);
  EXPECT_NE(small["shape"].get<std::string>().find("qwen3"), std::string::npos) << small["shape"];
  for (const auto* m : {&small, &big}) {
    ASSERT_TRUE((*m)["fits"].get<bool>());
    EXPECT_EQ((*m)["decode_short"]["bound"], "memory");
    // Decode streams at least the (4-bit) layer weights once per token.
    EXPECT_GT((*m)["decode_short"]["ddr_bytes_per_token"].get<double>(), (*m)["parameters"].get<double>() * 0.4);
  }
  EXPECT_GT(small["decode_short"]["tokens_per_s"].get<double>(), 2 * big["decode_short"]["tokens_per_s"].get<double>());
}

TEST(NpuPredict, ModelThatDoesNotFitIsReportedWithItsNumbers) {
  // Llama-3.2-3B at a 128K context: its F32 KV cache alone is ~30 GB.
  const Result r = npu_cli("predict llama3.2-3b --context 131072 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out)["models"][0];
  EXPECT_FALSE(m["fits"].get<bool>());
  EXPECT_GT(m["device_memory"]["bytes"].get<double>(), m["device_memory"]["capacity"].get<double>());
  EXPECT_NE(m["note"].get<std::string>().find("GB"), std::string::npos);
  EXPECT_FALSE(m.contains("decode_short"));
}

TEST(NpuPredict, UnknownModelOrProfileIsAClearError) {
  Result r = npu_cli("predict no-such-model");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no-such-model"), std::string::npos) << r.err;
  r = npu_cli("predict lfm2-350m --profile no-such-profile");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no-such-profile"), std::string::npos) << r.err;
}

}  // namespace
