// Synthetic weights (deterministic, order-independent, right shapes) and the synthetic tokenizer.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "test_models_util.hpp"

using namespace npu::compiler;
using npu::compiler::testing::tiny_lfm2;

TEST(Synthetic, DeterministicPerSeedAndName) {
  auto c = tiny_lfm2();
  auto a = SyntheticWeightSource::create(c, 7);
  auto b = SyntheticWeightSource::create(c, 7);
  auto d = SyntheticWeightSource::create(c, 8);
  ASSERT_TRUE(a && b && d);
  const auto later = *(*b)->load("blk.3.ffn_up.weight");  // load order must not matter
  EXPECT_EQ(*(*a)->load("blk.3.ffn_up.weight"), later);
  EXPECT_NE(*(*d)->load("blk.3.ffn_up.weight"), later);
  EXPECT_NE(*(*a)->load("blk.0.ffn_up.weight"), later);
  const auto norm = *(*a)->load("blk.0.attn_norm.weight");
  for (float v : norm) EXPECT_NEAR(v, 1.0f, 0.21f);
  EXPECT_FALSE((*a)->load("nope"));
}

TEST(Synthetic, FullSizeConfigHasEveryTensorWithoutLoading) {
  const auto path = npu::compiler::testing::temp_path("lfm2_1p2b.json");
  std::ofstream(path) << R"({"model_type": "lfm2", "hidden_size": 2048, "num_hidden_layers": 16,
    "num_attention_heads": 32, "num_key_value_heads": 8, "block_ff_dim": 12288, "block_multiple_of": 256,
    "vocab_size": 65536, "full_attn_idxs": [2, 5, 8, 10, 12, 14]})";
  auto model = load_synthetic_model(path, 0);
  ASSERT_TRUE(model) << model.error().what();
  EXPECT_TRUE(check_weights(model->config, *model->weights));
  EXPECT_EQ(*model->weights->shape("blk.0.shortconv.in_proj.weight"), (TensorShape{2048, 6144}));
  EXPECT_EQ(*model->weights->shape("blk.2.attn_k.weight"), (TensorShape{2048, 512}));
  EXPECT_EQ(*model->weights->shape("blk.0.ffn_down.weight"), (TensorShape{8192, 2048}));
  EXPECT_FALSE(model->weights->shape("output.weight"));  // tied
  std::filesystem::remove(path);
}

TEST(SyntheticTokenizer, UniqueTokensAndValidMerges) {
  auto tok = make_synthetic_tokenizer(4000);
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->tokens.size(), 4000u);
  EXPECT_EQ(tok->token_types.size(), 4000u);
  EXPECT_EQ(tok->tokens[1], "<|startoftext|>");
  EXPECT_EQ(tok->tokens[7], "<|im_end|>");
  EXPECT_EQ(tok->tokens[8 + 'a'], "a");
  EXPECT_EQ(tok->tokens[8 + ' '], "\xC4\xA0");  // GPT-2's "Ġ"
  std::set<std::string> unique(tok->tokens.begin(), tok->tokens.end());
  EXPECT_EQ(unique.size(), tok->tokens.size());
  for (const std::string& m : tok->merges) {
    const auto space = m.find(' ');
    ASSERT_NE(space, std::string::npos);
    EXPECT_TRUE(unique.contains(m.substr(0, space)) && unique.contains(m.substr(space + 1))) << m;
    EXPECT_TRUE(unique.contains(m.substr(0, space) + m.substr(space + 1))) << m;
  }
  EXPECT_FALSE(make_synthetic_tokenizer(100));
}
