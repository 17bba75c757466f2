// ModelConfig from config.json (the published LFM2 / Qwen2 configs) and from GGUF metadata.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "npu/compiler/gguf_model_export.hpp"
#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/gguf_writer.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/model_weight_sources.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "test_models_util.hpp"

using namespace npu::compiler;

namespace {

// Values of the published Hugging Face configs (shapes only).
constexpr const char* kLfm2_12B = R"({
  "architectures": ["Lfm2ForCausalLM"], "model_type": "lfm2", "hidden_size": 2048,
  "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
  "block_ff_dim": 12288, "block_auto_adjust_ff_dim": true, "block_multiple_of": 256,
  "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "conv_bias": false, "norm_eps": 1e-05,
  "rope_theta": 1000000.0, "max_position_embeddings": 128000, "tie_embedding": true,
  "vocab_size": 65536, "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0,
  "layer_types": ["conv", "conv", "full_attention", "conv", "conv", "full_attention", "conv", "conv",
                  "full_attention", "conv", "full_attention", "conv", "full_attention", "conv",
                  "full_attention", "conv"]})";

constexpr const char* kLfm2_350M = R"({
  "architectures": ["Lfm2ForCausalLM"], "model_type": "lfm2", "hidden_size": 1024,
  "num_hidden_layers": 16, "num_attention_heads": 16, "num_key_value_heads": 8,
  "block_ff_dim": 6656, "block_auto_adjust_ff_dim": true, "block_multiple_of": 256,
  "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "conv_bias": false, "norm_eps": 1e-05,
  "rope_theta": 1000000.0, "max_position_embeddings": 128000, "tie_embedding": true,
  "vocab_size": 65536, "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0,
  "full_attn_idxs": [2, 5, 8, 10, 12, 14]})";

constexpr const char* kQwen2_15B = R"({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
  "hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
  "num_attention_heads": 12, "num_key_value_heads": 2, "max_position_embeddings": 32768,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true,
  "bos_token_id": 151643, "eos_token_id": 151645, "vocab_size": 151936})";

}  // namespace

TEST(ModelConfig, Lfm2EffectiveFfnSize) {
  EXPECT_EQ(*lfm2_effective_ffn(12288, true, 1.0, 256), 8192u);
  EXPECT_EQ(*lfm2_effective_ffn(6656, true, 1.0, 256), 4608u);
  EXPECT_EQ(*lfm2_effective_ffn(6656, false, 1.0, 256), 6656u);
  EXPECT_EQ(*lfm2_effective_ffn(6656, true, 1.5, 256), 6656u);  // 4437 * 1.5 = 6655.5 -> 6655 -> 6656
  // Found by the fuzzer: a negative multiplier was converted to an unsigned size (undefined).
  for (double bad : {-1.0, 0.0, std::nan(""), 1e300}) {
    auto r = lfm2_effective_ffn(128, true, bad, 32);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), npu::ErrorCode::kBadFormat);
    EXPECT_NE(r.error().message().find("block_ffn_dim_multiplier"), std::string::npos) << r.error().message();
  }
}

TEST(ModelConfig, Lfm2_12BFromLayerTypes) {
  auto c = model_config_from_hf_json(kLfm2_12B);
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->arch, Architecture::kLfm2);
  EXPECT_EQ(c->ffn_size, 8192u);
  EXPECT_EQ(c->head_dim, 64u);
  EXPECT_EQ(c->attention_layer_count(), 6u);
  const std::vector<std::uint32_t> kv{0, 0, 8, 0, 0, 8, 0, 0, 8, 0, 8, 0, 8, 0, 8, 0};
  EXPECT_EQ(c->kv_heads, kv);
  EXPECT_EQ(c->conv_l_cache, 3u);
  EXPECT_DOUBLE_EQ(c->rope_theta, 1e6);
  EXPECT_TRUE(c->tied_embeddings);
  EXPECT_TRUE(c->qk_norm);
  EXPECT_EQ(c->eos_token_id, 7);
  EXPECT_EQ(c->context_length, 128000u);
}

TEST(ModelConfig, Lfm2_350MFromFullAttnIdxs) {
  auto c = model_config_from_hf_json(kLfm2_350M);
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->ffn_size, 4608u);
  EXPECT_EQ(c->head_dim, 64u);
  const std::vector<std::uint32_t> kv{0, 0, 8, 0, 0, 8, 0, 0, 8, 0, 8, 0, 8, 0, 8, 0};
  EXPECT_EQ(c->kv_heads, kv);
}

TEST(ModelConfig, Qwen2HasBiasesAndNoConv) {
  auto c = model_config_from_hf_json(kQwen2_15B);
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->arch, Architecture::kQwen2);
  EXPECT_TRUE(c->qkv_bias);
  EXPECT_FALSE(c->qk_norm);
  EXPECT_EQ(c->ffn_size, 8960u);
  EXPECT_EQ(c->head_dim, 128u);
  EXPECT_EQ(c->attention_layer_count(), 28u);
  EXPECT_EQ(c->kv_heads[5], 2u);
  EXPECT_FLOAT_EQ(c->norm_eps, 1e-6f);
}

// Qwen3-0.6B's config.json (shape fields): q/k RMSNorm per head, no biases, head_dim 128 with
// 16 heads over a hidden size of 1024, tied head.
TEST(ModelConfig, Qwen3HasPerHeadQkNormsAndWideHeads) {
  auto c = model_config_from_hf_json(R"({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
    "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 16,
    "num_key_value_heads": 8, "head_dim": 128, "max_position_embeddings": 40960, "rms_norm_eps": 1e-06,
    "rope_theta": 1000000, "rope_scaling": null, "tie_word_embeddings": true, "vocab_size": 151936,
    "bos_token_id": 151643, "eos_token_id": 151645})");
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->arch, Architecture::kQwen3);
  EXPECT_TRUE(c->qk_norm);
  EXPECT_FALSE(c->qkv_bias);
  EXPECT_TRUE(c->rope_neox);
  EXPECT_TRUE(c->tied_embeddings);
  EXPECT_EQ(c->head_dim, 128u);
  EXPECT_EQ(c->attention_layer_count(), 28u);
  const auto specs = expected_tensors(*c);
  auto has = [&](const std::string& name) {
    return std::any_of(specs.begin(), specs.end(), [&](const TensorSpec& s) { return s.name == name; });
  };
  EXPECT_TRUE(has("blk.0.attn_q_norm.weight"));
  EXPECT_FALSE(has("blk.0.attn_q.bias"));
  EXPECT_EQ(hf_to_gguf_name(Architecture::kQwen3, "model.layers.3.self_attn.k_norm.weight"), "blk.3.attn_k_norm.weight");
}

TEST(ModelConfig, UnknownArchitectureListsSupported) {
  auto c = model_config_from_hf_json(R"({"model_type": "mamba", "hidden_size": 8})");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), npu::ErrorCode::kUnsupported);
  EXPECT_NE(c.error().message().find("mamba"), std::string::npos);
  EXPECT_NE(c.error().message().find("lfm2"), std::string::npos);
  EXPECT_NE(c.error().message().find("qwen2"), std::string::npos);
}

TEST(ModelConfig, MalformedJsonAndFieldsAreClearErrors) {
  EXPECT_FALSE(model_config_from_hf_json("{not json"));
  auto missing = model_config_from_hf_json(R"({"model_type": "qwen2", "hidden_size": 8})");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("num_hidden_layers"), std::string::npos);
  auto wrong = model_config_from_hf_json(R"({"model_type": "qwen2", "hidden_size": "big"})");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("hidden_size"), std::string::npos);
  std::string bad_types = kLfm2_12B;
  bad_types.replace(bad_types.find("\"full_attention\""), 16, "\"mamba\"");
  EXPECT_FALSE(model_config_from_hf_json(bad_types));
}

// A layer count far beyond any model is refused before a per-layer table is allocated from it
// (the fuzzer's first GGUF finding: block_count 1,023,410,178 asked for 4 GB).
TEST(ModelConfig, AnAbsurdLayerCountIsRefusedBeforeAnythingIsAllocated) {
  auto hf = model_config_from_hf_json(
      R"({"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 3000000000,
          "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 256})");
  ASSERT_FALSE(hf);
  EXPECT_EQ(hf.error().code(), npu::ErrorCode::kBadFormat);
  EXPECT_NE(hf.error().message().find("num_hidden_layers"), std::string::npos) << hf.error().message();
  EXPECT_NE(hf.error().message().find("at most 1024"), std::string::npos) << hf.error().message();

  auto writer = GgufWriter::create();
  ASSERT_TRUE(writer);
  writer->set("general.architecture", GgufValue(std::string("lfm2")));
  writer->set("lfm2.embedding_length", GgufValue(std::uint32_t{64}));
  writer->set("lfm2.block_count", GgufValue(std::uint32_t{1023410178}));
  auto bytes = writer->to_bytes();
  ASSERT_TRUE(bytes);
  auto file = GgufFile::from_bytes(std::move(*bytes), "absurd.gguf");
  ASSERT_TRUE(file) << file.error().what();
  auto c = model_config_from_gguf(*file);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), npu::ErrorCode::kBadFormat);
  EXPECT_NE(c.error().message().find("lfm2.block_count"), std::string::npos) << c.error().message();
  EXPECT_NE(c.error().message().find("1023410178"), std::string::npos) << c.error().message();
  // The largest count allowed still reads on (and fails later, on the next missing key).
  EXPECT_TRUE(check_layer_count(kMaxModelLayers, "n"));
  EXPECT_FALSE(check_layer_count(kMaxModelLayers + 1, "n"));
}

TEST(ModelConfig, GgufMetadataRoundTrip) {
  using npu::compiler::testing::tiny_lfm2;
  for (bool tied : {true, false}) {
    ModelConfig c = tiny_lfm2("cacca", 2, tied);
    auto weights = SyntheticWeightSource::create(c, 1);
    ASSERT_TRUE(weights);
    const auto path = npu::compiler::testing::temp_path("config.gguf");
    ASSERT_TRUE(write_model_gguf(path, c, **weights, {}));
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file) << file.error().what();
    // The exact value types llama.cpp checks.
    EXPECT_NE(file->find("lfm2.attention.layer_norm_rms_epsilon")->get_if<float>(), nullptr);
    EXPECT_NE(file->find("lfm2.block_count")->get_if<std::uint32_t>(), nullptr);
    auto back = model_config_from_gguf(*file);
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(back->kv_heads, c.kv_heads);
    EXPECT_EQ(back->layer_kinds, c.layer_kinds);
    EXPECT_EQ(back->hidden_size, c.hidden_size);
    EXPECT_EQ(back->ffn_size, c.ffn_size);
    EXPECT_EQ(back->head_dim, c.head_dim);
    EXPECT_EQ(back->vocab_size, c.vocab_size);
    EXPECT_EQ(back->conv_l_cache, 3u);
    EXPECT_EQ(back->tied_embeddings, tied);
    EXPECT_DOUBLE_EQ(back->rope_theta, 1e6);
    std::filesystem::remove(path);
  }
}

// LFM2-MoE in GGUF: llama.cpp's lfm2moe keys (u32, as it checks them) and the choice-bias tensor
// give back the routed experts.
TEST(ModelConfig, GgufLfm2MoeRoundTrip) {
  ModelConfig c = npu::compiler::testing::tiny_lfm2("ccac", 2, true);
  c.arch = Architecture::kLfm2Moe;
  c.n_experts = 6;
  c.experts_per_token = 2;
  c.moe_ffn_size = 24;
  c.n_dense_layers = 1;
  c.router_sigmoid = c.router_bias = c.norm_topk = true;
  auto weights = SyntheticWeightSource::create(c, 1);
  ASSERT_TRUE(weights);
  const auto path = npu::compiler::testing::temp_path("moe.gguf");
  ASSERT_TRUE(write_model_gguf(path, c, **weights, {}));
  {
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file) << file.error().what();
    for (const char* key : {"lfm2moe.expert_count", "lfm2moe.expert_used_count", "lfm2moe.expert_feed_forward_length",
                            "lfm2moe.leading_dense_block_count", "lfm2moe.expert_gating_func"}) {
      ASSERT_NE(file->find(key), nullptr) << key;
      EXPECT_NE(file->find(key)->get_if<std::uint32_t>(), nullptr) << key;
    }
    EXPECT_EQ(file->find_tensor("blk.1.ffn_up_exps.weight")->shape, (TensorShape{64, 24, 6}));
    auto back = model_config_from_gguf(*file);
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(back->arch, Architecture::kLfm2Moe);
    EXPECT_EQ(back->n_experts, 6u);
    EXPECT_EQ(back->experts_per_token, 2u);
    EXPECT_EQ(back->moe_ffn_size, 24u);
    EXPECT_EQ(back->n_dense_layers, 1u);
    EXPECT_TRUE(back->router_sigmoid && back->router_bias && back->norm_topk);
    EXPECT_EQ(back->routed_scale, 1.0);
    EXPECT_EQ(back->layer_kinds, c.layer_kinds);
  }
  // Softmax scores (expert_gating_func 1) round-trip; the gating functions llama.cpp would compute
  // differently from both (3: softmax after the pick, 4: sqrt-softplus) are refused by name.
  ModelConfig softmax = c;
  softmax.router_sigmoid = false;
  ASSERT_TRUE(write_model_gguf(path, softmax, **weights, {}));
  {
    auto back = model_config_from_gguf(*GgufFile::open(path));
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_FALSE(back->router_sigmoid);
    EXPECT_TRUE(back->router_bias && back->norm_topk);
  }
  std::vector<std::byte> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), {});
    for (char ch : raw) bytes.push_back(static_cast<std::byte>(ch));
  }
  const std::string key = "lfm2moe.expert_gating_func";
  auto at = std::search(bytes.begin(), bytes.end(), key.begin(), key.end(),
                        [](std::byte b, char ch) { return b == static_cast<std::byte>(ch); });
  ASSERT_NE(at, bytes.end());
  const auto value = static_cast<std::size_t>(at - bytes.begin()) + key.size() + 4;  // after the u32 type tag
  ASSERT_EQ(bytes[value], std::byte{1});
  bytes[value] = std::byte{3};
  auto patched = GgufFile::from_bytes(bytes, "softmax-weight.gguf");
  ASSERT_TRUE(patched) << patched.error().what();
  auto refused_gating = model_config_from_gguf(*patched);
  ASSERT_FALSE(refused_gating);
  EXPECT_NE(refused_gating.error().message().find("expert_gating_func' = 3"), std::string::npos)
      << refused_gating.error().what();
  // A routed scaling llama.cpp's lfm2moe would not apply cannot be written.
  ModelConfig scaled = c;
  scaled.routed_scale = 2.5;
  auto refused = write_model_gguf(path, scaled, **weights, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("routed_scaling_factor"), std::string::npos) << refused.error().what();
  std::filesystem::remove(path);
}
