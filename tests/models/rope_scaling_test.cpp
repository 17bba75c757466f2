// RoPE scaling (Llama 3 and linear) and end-of-turn ids: read from config.json and GGUF, written
// back by the GGUF exporter, and the one frequency formula every consumer uses.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "npu/compiler/gguf_model_export.hpp"
#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/gguf_writer.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/reference_math.hpp"
#include "npu/compiler/rope_scaling.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "test_models_util.hpp"

using namespace npu::compiler;

namespace {

// The shape fields of Llama-3.1-8B-Instruct's config.json.
constexpr const char* kLlama31 = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
  "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
  "num_key_value_heads": 8, "max_position_embeddings": 131072, "rms_norm_eps": 1e-05,
  "rope_theta": 500000.0, "vocab_size": 128256, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "tie_word_embeddings": false,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"}})";

std::string with_rope_scaling(const std::string& scaling) {
  std::string json = kLlama31;
  const auto at = json.find("\"rope_scaling\"");
  return json.substr(0, at) + "\"rope_scaling\": " + scaling + "}";
}

ModelConfig tiny_llama() {
  ModelConfig c = npu::compiler::testing::tiny_lfm2("aa", 2, false);
  c.arch = Architecture::kLlama;
  c.qk_norm = false;
  c.rope_neox = false;
  c.conv_l_cache = 0;
  c.rope_theta = 1e4;
  return c;
}

}  // namespace

TEST(RopeScaling, FrequencyFormula) {
  const std::vector<float> factors{1.0f, 2.0f, 1.0f, 4.0f};
  const auto f = rope_frequencies(1e4, 8, 0.5, factors);
  ASSERT_EQ(f.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(f[i], 0.5 * std::pow(1e4, -2.0 * double(i) / 8) / factors[i]) << i;
  }
  // The reference's rotation uses them: pair i of a NeoX head turns by position * f[i].
  std::vector<float> head{1, 1, 1, 1, 0, 0, 0, 0};
  npu::compiler::reference::rope(head, 3, f, true);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(head[i], std::cos(3 * f[i]), 1e-6) << i;
    EXPECT_NEAR(head[i + 4], std::sin(3 * f[i]), 1e-6) << i;
  }
}

TEST(RopeScaling, Llama31ConfigJson) {
  auto c = model_config_from_hf_json(kLlama31);
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_STREQ(rope_scaling_name(*c), "llama3");
  EXPECT_EQ(c->rope_freq_scale, 1.0);
  ASSERT_EQ(c->rope_freq_factors.size(), 64u);
  // High frequencies (wavelength < 8192/4) keep their rate, low ones (> 8192) are divided by 8,
  // and the band between blends smoothly and monotonically.
  const auto plain = rope_frequencies(500000.0, 128);
  std::size_t blended = 0;
  for (std::size_t i = 0; i < 64; ++i) {
    const double wavelen = 2 * std::numbers::pi / plain[i];
    const float f = c->rope_freq_factors[i];
    if (wavelen < 2048) EXPECT_EQ(f, 1.0f) << i;
    else if (wavelen > 8192) EXPECT_EQ(f, 8.0f) << i;
    else {
      ++blended;
      EXPECT_GT(f, 1.0f);
      EXPECT_LT(f, 8.0f);
      const double smooth = (8192 / wavelen - 1.0) / 3.0;
      EXPECT_NEAR(f, 1.0 / ((1 - smooth) / 8 + smooth), 1e-5) << i;
    }
    if (i > 0) {
      EXPECT_GE(f, c->rope_freq_factors[i - 1]) << i;
    }
  }
  EXPECT_GT(blended, 0u);
  // All three end-of-turn ids, the first as EOS.
  EXPECT_EQ(c->eos_token_id, 128001);
  EXPECT_EQ(c->end_of_turn_tokens(), (std::vector<std::int64_t>{128001, 128008, 128009}));
}

TEST(RopeScaling, LinearDefaultAndRefusedTypes) {
  auto linear = model_config_from_hf_json(with_rope_scaling(R"({"type": "linear", "factor": 4.0})"));
  ASSERT_TRUE(linear) << linear.error().what();
  EXPECT_DOUBLE_EQ(linear->rope_freq_scale, 0.25);
  EXPECT_TRUE(linear->rope_freq_factors.empty());
  for (const char* plain : {"null", R"({"rope_type": "default"})"}) {
    auto c = model_config_from_hf_json(with_rope_scaling(plain));
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_STREQ(rope_scaling_name(*c), "none");
  }
  for (const char* type : {"yarn", "dynamic", "longrope"}) {
    auto c = model_config_from_hf_json(with_rope_scaling(fmt::format(R"({{"rope_type": "{}", "factor": 4.0}})", type)));
    ASSERT_FALSE(c) << type;
    EXPECT_EQ(c.error().code(), npu::ErrorCode::kUnsupported);
    EXPECT_NE(c.error().message().find(type), std::string::npos) << c.error().message();
    EXPECT_NE(c.error().message().find("llama3"), std::string::npos) << c.error().message();
  }
  EXPECT_FALSE(model_config_from_hf_json(with_rope_scaling(R"({"rope_type": "linear", "factor": -2})")));
}

// The exporter writes what llama.cpp reads (rope_freqs.weight, rope.scaling.*, eos/eot/eom ids),
// and our GGUF reader gets the same config back.
TEST(RopeScaling, GgufRoundTrip) {
  ModelConfig c = tiny_llama();
  c.rope_freq_factors = llama3_rope_freq_factors(c.rope_theta, c.head_dim, {8.0, 1.0, 4.0, 64.0});
  c.rope_freq_scale = 0.5;
  c.end_of_turn_ids = {7, 9, 11};
  auto weights = SyntheticWeightSource::create(c, 3);
  ASSERT_TRUE(weights);
  const auto path = npu::compiler::testing::temp_path("rope_scaled.gguf");
  auto tokenizer = make_synthetic_tokenizer(c.vocab_size);
  ASSERT_TRUE(tokenizer);
  ASSERT_TRUE(write_model_gguf(path, c, **weights, {.tokenizer = *tokenizer}));
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file) << file.error().what();
  const GgufTensorInfo* t = file->find_tensor("rope_freqs.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, GgmlType::kF32);
  EXPECT_EQ(t->shape, (std::vector<std::uint64_t>{c.head_dim / 2}));
  ASSERT_NE(file->find("llama.rope.scaling.factor"), nullptr);
  EXPECT_NE(file->find("llama.rope.scaling.factor")->get_if<float>(), nullptr);
  EXPECT_NE(file->find("tokenizer.ggml.eot_token_id"), nullptr);
  EXPECT_NE(file->find("tokenizer.ggml.eom_token_id"), nullptr);
  auto back = model_config_from_gguf(*file);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->rope_freq_factors, c.rope_freq_factors);
  EXPECT_DOUBLE_EQ(back->rope_freq_scale, 0.5);
  EXPECT_EQ(back->end_of_turn_tokens(), (std::vector<std::int64_t>{7, 9, 11}));
  std::filesystem::remove(path);
}

// GGUF metadata llama.cpp writes for other scalings is refused, naming the key; a wrongly sized
// rope_freqs tensor too. "none" switches a factor off, as in llama.cpp.
TEST(RopeScaling, GgufRefusals) {
  const ModelConfig base = tiny_llama();
  auto gguf_with = [&](const std::string& type, std::uint64_t freqs) -> npu::Expected<ModelConfig> {
    auto w = GgufWriter::create();
    EXPECT_TRUE(w);
    w->set("general.architecture", GgufValue(std::string("llama")));
    w->set("llama.embedding_length", GgufValue(base.hidden_size));
    w->set("llama.block_count", GgufValue(base.n_layers));
    w->set("llama.feed_forward_length", GgufValue(base.ffn_size));
    w->set("llama.attention.head_count", GgufValue(base.n_heads));
    w->set("llama.attention.layer_norm_rms_epsilon", GgufValue(1e-5f));
    w->set("llama.vocab_size", GgufValue(base.vocab_size));
    w->set("llama.rope.scaling.type", GgufValue(type));
    w->set("llama.rope.scaling.factor", GgufValue(4.0f));
    if (freqs > 0) {
      EXPECT_TRUE(w->add_tensor("rope_freqs.weight", {freqs}, GgmlType::kF32, std::vector<float>(freqs, 2.0f)));
    }
    auto bytes = w->to_bytes();
    EXPECT_TRUE(bytes);
    auto file = GgufFile::from_bytes(std::move(*bytes), "test.gguf");
    EXPECT_TRUE(file) << file.error().what();
    return model_config_from_gguf(*file);
  };
  auto yarn = gguf_with("yarn", 0);
  ASSERT_FALSE(yarn);
  EXPECT_NE(yarn.error().message().find("llama.rope.scaling.type"), std::string::npos) << yarn.error().message();
  auto linear = gguf_with("linear", base.head_dim / 2);
  ASSERT_TRUE(linear) << linear.error().what();
  EXPECT_DOUBLE_EQ(linear->rope_freq_scale, 0.25);
  EXPECT_EQ(linear->rope_freq_factors, std::vector<float>(base.head_dim / 2, 2.0f));
  auto none = gguf_with("none", 0);
  ASSERT_TRUE(none) << none.error().what();
  EXPECT_DOUBLE_EQ(none->rope_freq_scale, 1.0);
  auto bad_freqs = gguf_with("linear", 3);
  ASSERT_FALSE(bad_freqs);
  EXPECT_NE(bad_freqs.error().message().find("rope_freqs.weight"), std::string::npos);
}

// Without --context a model gets the smaller of 4096 and its trained context.
TEST(ContextDefault, SmallerOf4096AndTrained) {
  ModelConfig c = tiny_llama();
  for (auto [trained, expected] : {std::pair{2048u, 2048u}, std::pair{131072u, 4096u}, std::pair{1000u, 960u},
                                   std::pair{0u, 4096u}, std::pair{4096u, 4096u}}) {
    c.context_length = trained;
    EXPECT_EQ(llm::default_context_length(c), expected) << trained;
  }
  c.context_length = 2048;
  llm::LlmCompileOptions o;
  o.device.ddr_bytes = 1;
  EXPECT_TRUE(llm::validate_options(c, o));  // 0: the default, not a refusal
  o.context_length = 4096;
  EXPECT_FALSE(llm::validate_options(c, o));  // asked for explicitly: refused, with the limit
}
