// safetensors reader, Hugging Face folder loading, HF -> GGUF names, and Llama's q/k permutation.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/compiler/gguf_quant.hpp"
#include "npu/compiler/model_weight_sources.hpp"
#include "npu/compiler/reference_model.hpp"
#include "npu/compiler/safetensors_reader.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "test_models_util.hpp"

using namespace npu::compiler;
using npu::compiler::testing::temp_path;

namespace {

struct StTensor {
  std::string dtype;
  std::vector<std::uint64_t> shape;  // PyTorch order
  std::vector<float> values;
};

void write_safetensors(const std::filesystem::path& path, const std::map<std::string, StTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::vector<std::byte> data;
  for (const auto& [name, t] : tensors) {
    const std::size_t begin = data.size();
    for (float v : t.values) {
      if (t.dtype == "F32") {
        std::byte b[4];
        std::memcpy(b, &v, 4);
        data.insert(data.end(), b, b + 4);
      } else {
        const std::uint16_t h = t.dtype == "F16" ? float_to_fp16(v) : float_to_bf16(v);
        data.push_back(static_cast<std::byte>(h & 0xff));
        data.push_back(static_cast<std::byte>(h >> 8));
      }
    }
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {begin, data.size()}}};
  }
  header["__metadata__"] = {{"format", "pt"}};
  const std::string text = header.dump();
  const std::uint64_t len = text.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&len), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// GGUF name -> HF name, written independently of the library's table.
std::string hf_name(Architecture arch, const std::string& gguf) {
  static const std::map<std::string, std::string> lfm2{
      {"token_embd.weight", "model.embed_tokens.weight"}, {"token_embd_norm.weight", "model.embedding_norm.weight"},
      {"output.weight", "lm_head.weight"}, {"attn_norm.weight", "operator_norm.weight"},
      {"ffn_norm.weight", "ffn_norm.weight"}, {"shortconv.in_proj.weight", "conv.in_proj.weight"},
      {"shortconv.conv.weight", "conv.conv.weight"}, {"shortconv.out_proj.weight", "conv.out_proj.weight"},
      {"attn_q.weight", "self_attn.q_proj.weight"}, {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"}, {"attn_output.weight", "self_attn.out_proj.weight"},
      {"attn_q_norm.weight", "self_attn.q_layernorm.weight"}, {"attn_k_norm.weight", "self_attn.k_layernorm.weight"},
      {"ffn_gate.weight", "feed_forward.w1.weight"}, {"ffn_up.weight", "feed_forward.w3.weight"},
      {"ffn_down.weight", "feed_forward.w2.weight"}, {"ffn_gate_inp.weight", "feed_forward.gate.weight"},
      {"exp_probs_b.bias", "feed_forward.expert_bias"}};
  static const std::map<std::string, std::string> llama{
      {"token_embd.weight", "model.embed_tokens.weight"}, {"output_norm.weight", "model.norm.weight"},
      {"output.weight", "lm_head.weight"}, {"attn_norm.weight", "input_layernorm.weight"},
      {"ffn_norm.weight", "post_attention_layernorm.weight"}, {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"}, {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_q.bias", "self_attn.q_proj.bias"}, {"attn_k.bias", "self_attn.k_proj.bias"},
      {"attn_v.bias", "self_attn.v_proj.bias"}, {"attn_output.weight", "self_attn.o_proj.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"}, {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"}};
  const auto& table = arch == Architecture::kLfm2 || arch == Architecture::kLfm2Moe ? lfm2 : llama;
  if (gguf.starts_with("blk.")) {
    const std::size_t dot = gguf.find('.', 4);
    return "model.layers." + gguf.substr(4, dot - 4) + "." + table.at(gguf.substr(dot + 1));
  }
  return table.at(gguf);
}

// Writes `weights` (GGUF-named) as an HF folder: config.json + model.safetensors. Norms are
// stored as BF16 to exercise the conversion (their values are then BF16-rounded on both sides).
void write_hf_folder(const std::filesystem::path& dir, const std::string& config_json, Architecture arch,
                     const ModelConfig& config, WeightSource& weights, std::map<std::string, std::vector<float>>& used) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << config_json;
  std::map<std::string, StTensor> tensors;
  for (const TensorSpec& spec : expected_tensors(config)) {
    std::vector<float> values = *weights.load(spec.name);
    StTensor t{"F32", {spec.shape.rbegin(), spec.shape.rend()}, values};
    if (spec.name.ends_with("norm.weight")) {
      t.dtype = "BF16";
      for (float& v : t.values) v = bf16_to_float(float_to_bf16(v));
    }
    if (spec.name.ends_with("shortconv.conv.weight")) t.shape = {spec.shape[1], 1, spec.shape[0]};
    used[spec.name] = t.values;
    tensors[hf_name(arch, spec.name)] = std::move(t);
  }
  tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = {"F32", {2}, {1.0f, 0.5f}};  // ignored
  write_safetensors(dir / "model.safetensors", tensors);
}

// A WeightSource over a name -> values map (shapes from the config).
class MapSource final : public WeightSource {
 public:
  MapSource(const ModelConfig& c, std::map<std::string, std::vector<float>> values) : values_(std::move(values)) {
    for (const TensorSpec& s : expected_tensors(c)) shapes_[s.name] = s.shape;
  }
  std::string describe() const override { return "map"; }
  std::vector<std::string> tensor_names() const override {
    std::vector<std::string> n;
    for (const auto& [k, v] : values_) n.push_back(k);
    return n;
  }
  npu::Expected<TensorShape> shape(std::string_view name) const override {
    auto it = shapes_.find(std::string(name));
    if (it == shapes_.end() || !values_.contains(std::string(name))) return npu::fail(npu::ErrorCode::kNotFound, "no");
    return it->second;
  }
  npu::Expected<std::vector<float>> load(std::string_view name) const override { return values_.at(std::string(name)); }

 private:
  std::map<std::string, std::vector<float>> values_;
  std::map<std::string, TensorShape> shapes_;
};

}  // namespace

TEST(Safetensors, ReadsF32F16BF16AndRefusesOthers) {
  const auto path = temp_path("a.safetensors");
  write_safetensors(path, {{"a", {"F32", {2, 2}, {1, 2, 3, 4}}}, {"b", {"F16", {3}, {0.5f, -1, 2}}},
                           {"c", {"BF16", {1}, {-3}}}});
  auto f = SafetensorsFile::open(path);
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_EQ(f->tensors().size(), 3u);
  EXPECT_EQ(*f->load("a"), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(*f->load("b"), (std::vector<float>{0.5f, -1, 2}));
  EXPECT_EQ(*f->load("c"), (std::vector<float>{-3}));
  EXPECT_EQ(f->find("a")->shape, (std::vector<std::uint64_t>{2, 2}));
  EXPECT_FALSE(f->load("zz"));
  std::filesystem::remove(path);
}

TEST(Safetensors, TruncatedAndCorruptFilesAreErrors) {
  const auto path = temp_path("b.safetensors");
  write_safetensors(path, {{"a", {"F32", {4}, {1, 2, 3, 4}}}});
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 4);
  auto f = SafetensorsFile::open(path);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("outside"), std::string::npos) << f.error().what();
  std::ofstream(path, std::ios::binary) << "\xff\xff\xff\xff\xff\xff\xff\x7f{}";
  EXPECT_FALSE(SafetensorsFile::open(path));
  std::ofstream(path, std::ios::binary) << std::string("\x02\0\0\0\0\0\0\0[]", 10);
  EXPECT_FALSE(SafetensorsFile::open(path));
  std::filesystem::remove(path);
}

TEST(HfNames, MapsToGgufNames) {
  EXPECT_EQ(*hf_to_gguf_name(Architecture::kLfm2, "model.layers.12.conv.in_proj.weight"), "blk.12.shortconv.in_proj.weight");
  EXPECT_EQ(*hf_to_gguf_name(Architecture::kLfm2, "model.embedding_norm.weight"), "token_embd_norm.weight");
  EXPECT_EQ(*hf_to_gguf_name(Architecture::kQwen2, "model.layers.3.self_attn.k_proj.bias"), "blk.3.attn_k.bias");
  EXPECT_FALSE(hf_to_gguf_name(Architecture::kLlama, "model.layers.3.self_attn.rotary_emb.inv_freq"));
  EXPECT_FALSE(hf_to_gguf_name(Architecture::kLlama, "model.layers.x.mlp.up_proj.weight"));
}

TEST(HfFolder, Lfm2LoadsAndMatchesTheSameWeightsFromGgufNames) {
  const std::string config_json = R"({"model_type": "lfm2", "hidden_size": 64, "num_hidden_layers": 3,
    "num_attention_heads": 4, "num_key_value_heads": 2, "block_ff_dim": 144, "block_auto_adjust_ff_dim": true,
    "block_multiple_of": 32, "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "norm_eps": 1e-5,
    "rope_theta": 1000000.0, "max_position_embeddings": 512, "tie_embedding": false, "vocab_size": 96,
    "bos_token_id": 1, "eos_token_id": 7, "layer_types": ["conv", "full_attention", "conv"]})";
  auto config = model_config_from_hf_json(config_json);
  ASSERT_TRUE(config) << config.error().what();
  EXPECT_EQ(config->ffn_size, 96u);
  auto synthetic = SyntheticWeightSource::create(*config, 5);
  ASSERT_TRUE(synthetic);
  const auto dir = temp_path("lfm2_hf");
  std::map<std::string, std::vector<float>> used;
  write_hf_folder(dir, config_json, Architecture::kLfm2, *config, **synthetic, used);

  auto loaded = load_model(dir);
  ASSERT_TRUE(loaded) << loaded.error().what();
  EXPECT_EQ(*loaded->weights->shape("blk.0.shortconv.conv.weight"), (TensorShape{3, 64}));
  MapSource expected(*config, used);
  auto a = ReferenceModel::create(loaded->config, *loaded->weights);
  auto b = ReferenceModel::create(*config, expected);
  ASSERT_TRUE(a && b);
  for (std::int32_t t : {1, 20, 33, 90, 4}) {
    auto la = a->forward(t);
    auto lb = b->forward(t);
    ASSERT_TRUE(la && lb);
    for (std::size_t i = 0; i < la->size(); ++i) ASSERT_EQ((*la)[i], (*lb)[i]);
  }
  std::filesystem::remove_all(dir);
}

TEST(HfFolder, LlamaQkPermutationMatchesNeoxRopeOnHfOrder) {
  const std::string config_json = R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96, "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0, "max_position_embeddings": 256, "tie_word_embeddings": true, "vocab_size": 80})";
  auto config = model_config_from_hf_json(config_json);
  ASSERT_TRUE(config) << config.error().what();
  EXPECT_FALSE(config->rope_neox);
  auto synthetic = SyntheticWeightSource::create(*config, 9);
  ASSERT_TRUE(synthetic);
  const auto dir = temp_path("llama_hf");
  std::map<std::string, std::vector<float>> hf_order;
  write_hf_folder(dir, config_json, Architecture::kLlama, *config, **synthetic, hf_order);
  auto loaded = load_model(dir);
  ASSERT_TRUE(loaded) << loaded.error().what();
  // HF computes RoPE on rotate-half pairs (i, i + d/2) = NeoX on un-permuted weights.
  ModelConfig neox = *config;
  neox.rope_neox = true;
  MapSource hf(neox, hf_order);
  auto a = ReferenceModel::create(loaded->config, *loaded->weights);
  auto b = ReferenceModel::create(neox, hf);
  ASSERT_TRUE(a && b);
  float max_diff = 0;
  for (std::int32_t t : {3, 50, 17, 17, 60, 2}) {
    auto la = a->forward(t);
    auto lb = b->forward(t);
    ASSERT_TRUE(la && lb);
    for (std::size_t i = 0; i < la->size(); ++i) max_diff = std::max(max_diff, std::fabs((*la)[i] - (*lb)[i]));
  }
  EXPECT_LT(max_diff, 1e-4f);
  std::filesystem::remove_all(dir);
}

// LFM2-MoE checkpoints hold one matrix per expert ("feed_forward.experts.E.w1.weight" [out][in]);
// the weight source presents them as GGUF's stacked {in, out, experts} tensors, the same values.
TEST(HfFolder, Lfm2MoeExpertsStackIntoTheGgufTensors) {
  const std::string config_json = R"({"architectures": ["Lfm2MoeForCausalLM"], "model_type": "lfm2_moe",
    "hidden_size": 64, "intermediate_size": 96, "moe_intermediate_size": 32, "num_hidden_layers": 3,
    "num_attention_heads": 4, "num_key_value_heads": 2, "num_dense_layers": 1, "num_experts": 4,
    "num_experts_per_tok": 2, "norm_topk_prob": true, "use_expert_bias": true, "conv_L_cache": 3,
    "norm_eps": 1e-5, "rope_theta": 1000000.0, "max_position_embeddings": 512, "tie_word_embeddings": true,
    "vocab_size": 96, "layer_types": ["conv", "full_attention", "conv"]})";
  auto config = model_config_from_hf_json(config_json);
  ASSERT_TRUE(config) << config.error().what();
  auto synthetic = SyntheticWeightSource::create(*config, 9);
  ASSERT_TRUE(synthetic);
  const auto dir = temp_path("lfm2moe_hf");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << config_json;
  std::map<std::string, StTensor> tensors;
  const std::map<std::string, std::string> expert_names{
      {"ffn_gate_exps.weight", "w1"}, {"ffn_up_exps.weight", "w3"}, {"ffn_down_exps.weight", "w2"}};
  for (const TensorSpec& spec : expected_tensors(*config)) {
    std::vector<float> values = *(*synthetic)->load(spec.name);
    const std::size_t dot = spec.name.find('.', 4);
    const std::string layer = spec.name.starts_with("blk.") ? spec.name.substr(4, dot - 4) : "";
    const std::string what = spec.name.starts_with("blk.") ? spec.name.substr(dot + 1) : "";
    if (expert_names.contains(what)) {  // {in, out, E} -> E tensors [out][in]
      const std::size_t per = spec.shape[0] * spec.shape[1];
      for (std::uint64_t e = 0; e < spec.shape[2]; ++e) {
        tensors[fmt::format("model.layers.{}.feed_forward.experts.{}.{}.weight", layer, e, expert_names.at(what))] = {
            "F32", {spec.shape[1], spec.shape[0]}, {values.begin() + std::ptrdiff_t(e * per),
                                                     values.begin() + std::ptrdiff_t((e + 1) * per)}};
      }
      continue;
    }
    StTensor t{"F32", {spec.shape.rbegin(), spec.shape.rend()}, values};
    if (spec.name.ends_with("shortconv.conv.weight")) t.shape = {spec.shape[1], 1, spec.shape[0]};
    tensors[hf_name(Architecture::kLfm2Moe, spec.name)] = std::move(t);
  }
  write_safetensors(dir / "model.safetensors", tensors);
  auto loaded = load_model(dir);
  ASSERT_TRUE(loaded) << loaded.error().what();
  EXPECT_EQ(loaded->config.arch, Architecture::kLfm2Moe);
  EXPECT_EQ(*loaded->weights->shape("blk.2.ffn_down_exps.weight"), (TensorShape{32, 64, 4}));
  for (const TensorSpec& spec : expected_tensors(*config)) {
    EXPECT_EQ(*loaded->weights->load(spec.name), *(*synthetic)->load(spec.name)) << spec.name;
  }
  // A checkpoint missing one expert's matrix is refused, naming it.
  tensors.erase("model.layers.1.feed_forward.experts.2.w3.weight");
  write_safetensors(dir / "model.safetensors", tensors);
  auto broken = load_model(dir);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("expert 2 of 4 is missing for 'blk.1.ffn_up_exps.weight'"), std::string::npos)
      << broken.error().what();
  std::filesystem::remove_all(dir);
}

TEST(HfFolder, MissingAndMisshapedTensorsAreListed) {
  const auto dir = temp_path("broken_hf");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type": "qwen2", "hidden_size": 32, "num_hidden_layers": 1,
    "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64, "vocab_size": 40})";
  write_safetensors(dir / "model.safetensors", {{"model.embed_tokens.weight", {"F32", {40, 16}, std::vector<float>(640)}}});
  auto loaded = load_model(dir);
  ASSERT_FALSE(loaded);
  const std::string& m = loaded.error().message();
  EXPECT_NE(m.find("token_embd.weight has shape {16, 40}, expected {32, 40}"), std::string::npos) << m;
  EXPECT_NE(m.find("missing output_norm.weight"), std::string::npos) << m;
  std::filesystem::remove_all(dir);
}
