// Precision policies: the built-in ones, the JSON file form, and clear errors.
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "llm_test_util.hpp"
#include "npu/compiler/llm_policy.hpp"

namespace npu::compiler::llm {
namespace {

TEST(LlmPolicy, DefaultIsW4A8ConvW8A8AttentionF16EmbeddingInt8Block32Head) {
  auto p = builtin_policy("default");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->for_layer(0, LayerKind::kConv).weights, WeightType::kInt4);
  EXPECT_EQ(p->for_layer(2, LayerKind::kAttention).weights, WeightType::kInt8);
  EXPECT_EQ(p->head.weights, WeightType::kInt8);
  EXPECT_EQ(p->head.group, 32u);
  EXPECT_EQ(p->embedding, EmbeddingType::kF16);
  EXPECT_EQ(to_string(p->head, true), "int8-block32");
  EXPECT_EQ(p->kv_cache, KvCacheType::kInt8);
}

TEST(LlmPolicy, BuiltinsW4A8W8A8Fp32) {
  auto w4 = builtin_policy("w4a8");
  ASSERT_TRUE(w4);
  EXPECT_EQ(w4->for_layer(1, LayerKind::kAttention).weights, WeightType::kInt4);
  EXPECT_EQ(w4->head.weights, WeightType::kInt8);
  auto w8 = builtin_policy("w8a8");
  ASSERT_TRUE(w8);
  EXPECT_EQ(w8->for_layer(0, LayerKind::kConv).weights, WeightType::kInt8);
  auto f = builtin_policy("fp32");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->for_layer(0, LayerKind::kConv).quantized());
  EXPECT_FALSE(f->head.quantized());
  EXPECT_EQ(f->embedding, EmbeddingType::kF32);
  // 8-bit activations keep 8-bit K and V (docs/llm.md); the float policy keeps a float cache.
  EXPECT_EQ(w4->kv_cache, KvCacheType::kInt8);
  EXPECT_EQ(w8->kv_cache, KvCacheType::kInt8);
  EXPECT_EQ(f->kv_cache, KvCacheType::kF32);
  auto bad = builtin_policy("w3a7");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("default, w4a8, w8a8"), std::string::npos);
}

TEST(LlmPolicy, JsonFileNamesPrecisionPerTypeAndIndex) {
  const auto path = testing::temp_path("policy.json");
  std::ofstream(path) << R"({"name": "mixed", "base": "w8a8", "conv": "w4a8-block32", "layers": {"3": "fp32"},
                             "head": "int8-block32", "embedding": "bf16"})";
  auto p = load_policy(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_EQ(p->name, "mixed");
  EXPECT_EQ(p->for_layer(0, LayerKind::kConv).weights, WeightType::kInt4);
  EXPECT_EQ(p->for_layer(0, LayerKind::kConv).group, 32u);
  EXPECT_EQ(p->for_layer(1, LayerKind::kAttention).weights, WeightType::kInt8);
  EXPECT_EQ(p->for_layer(3, LayerKind::kConv).weights, WeightType::kF32);
  EXPECT_EQ(p->embedding, EmbeddingType::kBF16);
}

TEST(LlmPolicy, JsonNamesTheKvCacheType) {
  for (const auto& [text, want] : {std::pair{"int8", KvCacheType::kInt8}, std::pair{"f16", KvCacheType::kF16},
                                   std::pair{"fp16", KvCacheType::kF16}, std::pair{"fp32", KvCacheType::kF32}}) {
    auto p = parse_policy_json(fmt::format(R"({{"base": "w4a8", "kv_cache": "{}"}})", text), "kv.json");
    ASSERT_TRUE(p) << text << ": " << p.error().what();
    EXPECT_EQ(p->kv_cache, want) << text;
    EXPECT_EQ(p->for_layer(0, LayerKind::kAttention).weights, WeightType::kInt4);  // the rest from the base
  }
  // Without the key the base's type stays: int8 under w4a8, fp32 under fp32.
  EXPECT_EQ(parse_policy_json(R"({"base": "w4a8"})", "kv.json")->kv_cache, KvCacheType::kInt8);
  EXPECT_EQ(parse_policy_json(R"({"base": "fp32"})", "kv.json")->kv_cache, KvCacheType::kF32);
  auto bad = parse_policy_json(R"({"kv_cache": "int4"})", "kv.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("kv.json"), std::string::npos) << bad.error().what();
  EXPECT_NE(bad.error().message().find("unknown KV cache type 'int4'; use int8, f16 or fp32"), std::string::npos)
      << bad.error().what();
  auto not_string = parse_policy_json(R"({"kv_cache": 8})", "kv.json");
  ASSERT_FALSE(not_string);
  EXPECT_NE(not_string.error().message().find("'kv_cache' must be a string"), std::string::npos);
  EXPECT_EQ(to_string(KvCacheType::kInt8), "int8");
  EXPECT_EQ(to_string(KvCacheType::kF16), "f16");
  EXPECT_EQ(to_string(KvCacheType::kF32), "fp32");
}

TEST(LlmPolicy, JsonErrorsNameTheProblem) {
  auto unknown_key = parse_policy_json(R"({"conv": "w4a8", "attn": "w8a8"})", "p.json");
  ASSERT_FALSE(unknown_key);
  EXPECT_NE(unknown_key.error().message().find("unknown key 'attn'"), std::string::npos);
  auto bad_prec = parse_policy_json(R"({"conv": "w5a8"})", "p.json");
  ASSERT_FALSE(bad_prec);
  EXPECT_NE(bad_prec.error().message().find("w5a8"), std::string::npos);
  auto bad_index = parse_policy_json(R"({"layers": {"x": "w8a8"}})", "p.json");
  ASSERT_FALSE(bad_index);
  EXPECT_FALSE(parse_policy_json("not json", "p.json"));
  EXPECT_FALSE(parse_linear_precision("w8a8-block3"));  // odd block
  EXPECT_FALSE(load_policy("/nonexistent/policy.json"));
}

TEST(LlmPolicy, ShippedPolicyFilesParse) {
  const std::filesystem::path dir = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "policies";
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    auto p = load_policy(entry.path().string());
    EXPECT_TRUE(p) << entry.path() << ": " << (p ? "" : p.error().what());
    ++n;
  }
  EXPECT_GE(n, 1u);
}

}  // namespace
}  // namespace npu::compiler::llm
