// HF config parsing (qwen2, llama, lfm2 with FFN auto-adjust) and precision policies.
#include <gtest/gtest.h>

#include "models.hpp"
#include "npu/sim/workload_shape.hpp"

namespace npu::sim {
namespace {

TEST(WorkloadShape, ParsesQwen2) {
  const auto s = testing::model(testing::kQwen15);
  EXPECT_EQ(s.architecture, "qwen2");
  EXPECT_EQ(s.hidden, 1536u);
  EXPECT_EQ(s.layers.size(), 28u);
  EXPECT_EQ(s.heads, 12u);
  EXPECT_EQ(s.kv_heads, 2u);
  EXPECT_EQ(s.head_dim, 128u);
  EXPECT_EQ(s.ffn, 8960u);
  EXPECT_EQ(s.vocab, 151936u);
  EXPECT_TRUE(s.qkv_bias);
  EXPECT_TRUE(s.tied_embedding);
  // Qwen2-1.5B has ~1.54 B parameters (tied embedding counted once).
  EXPECT_NEAR(s.parameters() / 1e9, 1.54, 0.01);
}

TEST(WorkloadShape, ParsesLfm2LayerTypesAndAdjustsFfn) {
  const auto big = testing::model(testing::kLfm12);
  EXPECT_EQ(big.architecture, "lfm2");
  EXPECT_EQ(big.ffn, 8192u);  // 12288 -> int(2*12288/3) = 8192, multiple of 256
  EXPECT_EQ(big.head_dim, 64u);
  EXPECT_EQ(big.conv_kernel, 3u);
  EXPECT_TRUE(big.qk_norm);
  ASSERT_EQ(big.layers.size(), 16u);
  EXPECT_EQ(std::count(big.layers.begin(), big.layers.end(), LayerType::kAttention), 6);
  EXPECT_EQ(big.layers[2], LayerType::kAttention);
  EXPECT_EQ(big.layers[0], LayerType::kShortConv);
  EXPECT_NEAR(big.parameters() / 1e9, 1.17, 0.02);

  const auto small = testing::model(testing::kLfm350);  // older full_attn_idxs form
  EXPECT_EQ(small.ffn, 4608u);  // int(2*6656/3) = 4437 -> rounded up to 4608
  EXPECT_EQ(std::count(small.layers.begin(), small.layers.end(), LayerType::kAttention), 6);
  EXPECT_EQ(small.layers[14], LayerType::kAttention);
  EXPECT_NEAR(small.parameters() / 1e9, 0.354, 0.01);
}

TEST(WorkloadShape, Lfm2FfnAdjustRule) {
  EXPECT_EQ(lfm2_effective_ffn(12288, 1.0, 256), 8192u);
  EXPECT_EQ(lfm2_effective_ffn(6656, 1.0, 256), 4608u);
  EXPECT_EQ(lfm2_effective_ffn(6656, 1.5, 256), 6656u);  // 4437 * 1.5 = 6655.5 -> 6655 -> 6656
  EXPECT_EQ(lfm2_effective_ffn(300, 1.0, 0), 200u);
}

TEST(WorkloadShape, ParsesLlamaDefaults) {
  auto s = parse_hf_config(R"({"model_type": "llama", "hidden_size": 512, "num_hidden_layers": 2,
      "num_attention_heads": 8, "intermediate_size": 1024, "vocab_size": 1000})", "llama.json");
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s->kv_heads, 8u);
  EXPECT_EQ(s->head_dim, 64u);
  EXPECT_FALSE(s->qkv_bias);
  EXPECT_FALSE(s->tied_embedding);
}

TEST(WorkloadShape, RejectsBadConfigsNamingFileAndField) {
  auto expect_error = [](std::string_view text, const char* field, ErrorCode code) {
    auto s = parse_hf_config(text, "cfg.json");
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code(), code);
    EXPECT_NE(s.error().message().find("cfg.json"), std::string::npos) << s.error().message();
    EXPECT_NE(s.error().message().find(field), std::string::npos) << s.error().message();
  };
  expect_error("{", "", ErrorCode::kBadFormat);
  expect_error(R"({"hidden_size": 4})", "model_type", ErrorCode::kBadFormat);
  expect_error(R"({"model_type": "gpt2", "hidden_size": 64, "num_hidden_layers": 1,
      "num_attention_heads": 1, "vocab_size": 10})", "gpt2", ErrorCode::kUnsupported);
  expect_error(R"({"model_type": "qwen2", "hidden_size": -4, "num_hidden_layers": 1,
      "num_attention_heads": 1, "vocab_size": 10})", "hidden_size", ErrorCode::kBadFormat);
  expect_error(R"({"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 1,
      "num_attention_heads": 3, "vocab_size": 10})", "num_attention_heads", ErrorCode::kBadFormat);
  expect_error(R"({"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 1,
      "num_attention_heads": 4, "vocab_size": 10})", "intermediate_size", ErrorCode::kBadFormat);
  expect_error(R"({"model_type": "lfm2", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "vocab_size": 10, "block_ff_dim": 96,
      "layer_types": ["conv"]})", "layer_types", ErrorCode::kBadFormat);
  expect_error(R"({"model_type": "lfm2", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "vocab_size": 10, "block_ff_dim": 96,
      "full_attn_idxs": [5]})", "full_attn_idxs", ErrorCode::kBadFormat);
  auto missing = load_hf_config("/nonexistent/config.json");
  EXPECT_FALSE(missing);
}

TEST(WorkloadShape, PrecisionPolicies) {
  auto def = PrecisionPolicy::named("default");
  ASSERT_TRUE(def);
  EXPECT_EQ(def->conv_layers, QuantScheme::kW4A8);
  EXPECT_EQ(def->attention_layers, QuantScheme::kW8A8);
  EXPECT_EQ(def->head, QuantScheme::kW8A8);
  auto w4 = PrecisionPolicy::named("w4a8");
  ASSERT_TRUE(w4);
  EXPECT_EQ(w4->attention_layers, QuantScheme::kW4A8);
  EXPECT_FALSE(PrecisionPolicy::named("int3"));
  EXPECT_EQ(*parse_quant_scheme("w8a16"), QuantScheme::kW8A16);
  EXPECT_FALSE(parse_quant_scheme("w2a2"));
  EXPECT_EQ(weight_bits(QuantScheme::kW4A16), 4u);
  EXPECT_EQ(activation_bits(QuantScheme::kW4A16), 16u);
}

}  // namespace
}  // namespace npu::sim
