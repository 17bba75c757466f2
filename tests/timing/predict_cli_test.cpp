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
    // Static shapes (attention_static_kv_window): every step reads the whole compiled KV window,
    // so a long context decodes at the rate of a short one, moving the same bytes.
    EXPECT_DOUBLE_EQ((*m)["decode_long"]["tokens_per_s"].get<double>(), (*m)["decode_short"]["tokens_per_s"].get<double>());
    EXPECT_DOUBLE_EQ((*m)["decode_long"]["ddr_bytes_per_token"].get<double>(),
                     (*m)["decode_short"]["ddr_bytes_per_token"].get<double>());
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
  // Both have 28 layers of 8 KV heads of 128, so both read the same 2048-position KV window per
  // token (470 MB in the fp32 cache): the rates differ by the weights alone, and decode being
  // memory-bound, in inverse proportion to the bytes per token (within 10 %).
  const double bytes_ratio = big["decode_short"]["ddr_bytes_per_token"].get<double>() /
                             small["decode_short"]["ddr_bytes_per_token"].get<double>();
  const double rate_ratio = small["decode_short"]["tokens_per_s"].get<double>() / big["decode_short"]["tokens_per_s"].get<double>();
  EXPECT_GT(bytes_ratio, 1.3);
  EXPECT_NEAR(rate_ratio, bytes_ratio, 0.10 * bytes_ratio);
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

// The built-in Gemma 3 1B shape with every layer global (a sliding-window pattern of 1), as a file.
std::filesystem::path all_global_gemma3_1b() {
  const auto path = std::filesystem::temp_directory_path() / ("npu_predict_gemma_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
    "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152, "intermediate_size": 6912,
    "num_hidden_layers": 26, "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 256,
    "query_pre_attn_scalar": 256, "sliding_window": 512, "sliding_window_pattern": 1,
    "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "max_position_embeddings": 32768,
    "rms_norm_eps": 1e-06, "tie_word_embeddings": true, "bos_token_id": 2, "eos_token_id": 1, "vocab_size": 262144})";
  return path;
}

TEST(NpuPredict, Gemma3LocalLayersReadOnlyTheirWindow) {
  const auto global = all_global_gemma3_1b();
  const Result r = npu_cli("predict gemma3-1b " + global.string() + " --context 4096 --prompt-tokens 96 --json");
  std::filesystem::remove(global);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["models"].size(), 2u);
  const auto& gemma = j["models"][0];
  const auto& all_global = j["models"][1];
  // Published size: 1.0B parameters (262K vocabulary tied with the head).
  EXPECT_NEAR(gemma["parameters"].get<double>(), 1.0e9, 0.02e9);
  EXPECT_NE(gemma["shape"].get<std::string>().find("22 local, window 512"), std::string::npos) << gemma["shape"];
  ASSERT_TRUE(gemma["fits"].get<bool>());
  ASSERT_TRUE(all_global["fits"].get<bool>());
  // Static shapes (attention_static_kv_window): each layer reads its whole compiled window every
  // token, whatever the position: a global layer the 4096-position cache, a local one its
  // 512-position window (K and V x 1 kv head x (256 bytes + a 4-byte scale) per position in the
  // w4a8 policy's int8 cache). So the bytes per token do not grow with the position, and the 22
  // local layers read 22 x (4096 - 512) positions fewer.
  auto growth = [](const nlohmann::json& m) {
    return m["decode_long"]["ddr_bytes_per_token"].get<double>() - m["decode_short"]["ddr_bytes_per_token"].get<double>();
  };
  const double per_position = 2.0 * 1 * (256 + 4);
  ASSERT_GT(gemma["decode_long"]["position"].get<double>(), 512 + gemma["decode_short"]["position"].get<double>());
  EXPECT_DOUBLE_EQ(growth(gemma), 0.0);
  EXPECT_DOUBLE_EQ(growth(all_global), 0.0);
  const double saved = per_position * 22 * (4096 - 512);
  EXPECT_NEAR(all_global["decode_long"]["ddr_bytes_per_token"].get<double>() - gemma["decode_long"]["ddr_bytes_per_token"].get<double>(),
              saved, 0.05 * saved);
  EXPECT_GT(gemma["decode_long"]["tokens_per_s"].get<double>(), all_global["decode_long"]["tokens_per_s"].get<double>());
  // Local layers keep a ring of window + chunk - 1 positions, not the context: the state is smaller.
  const double state = gemma["device_memory"]["state"].get<double>();
  const double state_global = all_global["device_memory"]["state"].get<double>();
  EXPECT_NEAR(state, per_position * (4 * 4096 + 22 * (512 + 96 - 1)), 64.0 * 26);
  EXPECT_NEAR(state_global, per_position * 26 * 4096, 64.0 * 26);
}

TEST(NpuPredict, Gemma3_4bAndLfm2MoeShapes) {
  const Result r = npu_cli("predict gemma3-4b lfm2-8b-a1b lfm2.5-1.2b --prompt-tokens 96 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["models"].size(), 3u);
  const auto& gemma = j["models"][0];
  const auto& moe = j["models"][1];
  const auto& dense = j["models"][2];
  // Published sizes: Gemma 3 4B's text model 3.9B; LFM2-8B-A1B 8.3B parameters, 1.5B active.
  EXPECT_NEAR(gemma["parameters"].get<double>(), 3.88e9, 0.05e9);
  EXPECT_NEAR(moe["parameters"].get<double>(), 8.34e9, 0.05e9);
  EXPECT_NEAR(moe["active_parameters"].get<double>(), 1.56e9, 0.05e9);
  ASSERT_TRUE(moe["fits"].get<bool>());
  // Every expert is resident: the weights segment holds all 8.3B parameters (4-bit, with scales) ...
  const double weights = moe["device_memory"]["weights"].get<double>();
  EXPECT_GT(weights, moe["parameters"].get<double>() * 0.5);
  EXPECT_GT(moe["device_memory"]["bytes"].get<double>(), weights);
  // ... but a decoded token reads only the router and its 4 of 32 experts (~active / total).
  const double per_token = moe["decode_short"]["ddr_bytes_per_token"].get<double>();
  const double active_share = moe["active_parameters"].get<double>() / moe["parameters"].get<double>();
  EXPECT_LT(per_token, 1.5 * active_share * weights);
  EXPECT_GT(per_token, 0.7 * active_share * weights);
  // So it decodes at the rate of a ~1.5B dense model, not of an 8B one: within 2x of LFM2.5-1.2B.
  EXPECT_GT(moe["decode_short"]["tokens_per_s"].get<double>(), 0.5 * dense["decode_short"]["tokens_per_s"].get<double>());
  // Prefill of a 96-token chunk routes to (at most) every expert: TTFT costs far more than a token.
  EXPECT_GT(moe["ttft"][0]["ttft_s"].get<double>(), 3.0 / moe["decode_short"]["tokens_per_s"].get<double>());
}

TEST(NpuPredict, MoeThatDoesNotFitIsReportedWithItsNumbers) {
  // At int8 every resident expert doubles: 8.3B parameters no longer fit the Hailo-10H's DDR.
  const Result r = npu_cli("predict lfm2-8b-a1b --policy w8a8 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out)["models"][0];
  EXPECT_FALSE(m["fits"].get<bool>());
  EXPECT_GT(m["device_memory"]["weights"].get<double>(), m["device_memory"]["capacity"].get<double>());
  EXPECT_NE(m["note"].get<std::string>().find("GB"), std::string::npos);
}

TEST(NpuPredict, TimingOnlyArchitecturesRefuseACompileWithValues) {
  const Result r = npu_cli("compile --synthetic gemma3-1b -o /dev/null");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("timing only"), std::string::npos) << r.err;
  // LFM2-MoE is not timing-only: a small one compiles with values (synthetic weights).
  const auto dir = std::filesystem::temp_directory_path() / ("npu_predict_moe_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"architectures": ["Lfm2MoeForCausalLM"], "model_type": "lfm2_moe",
    "hidden_size": 128, "intermediate_size": 256, "moe_intermediate_size": 64, "num_hidden_layers": 3,
    "num_attention_heads": 4, "num_key_value_heads": 2, "num_dense_layers": 1, "num_experts": 4,
    "num_experts_per_tok": 2, "conv_L_cache": 3, "norm_eps": 1e-05, "rope_theta": 1000000.0,
    "max_position_embeddings": 4096, "tie_word_embeddings": true, "vocab_size": 512, "bos_token_id": 1,
    "eos_token_id": 7, "layer_types": ["conv", "full_attention", "conv"]})";
  const auto npk = dir / "moe.npk";
  const Result moe = npu_cli("compile --synthetic " + (dir / "config.json").string() + " -o " + npk.string() +
                             " --context 256 --prefill-chunk 16 --calib-tokens 16");
  EXPECT_EQ(moe.code, 0) << moe.err;
  // The .npk holds the experts' weights (2 MoE layers x 3 matrices x 4 experts of 64 x 128).
  EXPECT_GT(std::filesystem::exists(npk) ? std::filesystem::file_size(npk) : 0, 4u * 2 * 64 * 128);
  std::filesystem::remove_all(dir);
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
