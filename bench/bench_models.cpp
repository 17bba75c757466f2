#include "bench_models.hpp"

#include <cstdlib>
#include <map>

#include "npu/common/file.hpp"
#include "npu/compiler/llm_builtin.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/model_weights.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"

namespace npu::bench {
namespace {

// Every tensor the config needs, filled with one small constant (norm weights 1): cheap to make,
// and the values never reach the device.
class ConstantWeights final : public compiler::WeightSource {
 public:
  explicit ConstantWeights(const compiler::ModelConfig& c) {
    for (auto& t : compiler::expected_tensors(c)) shapes_[t.name] = t.shape;
  }
  std::string describe() const override { return "constant weights (timing only)"; }
  std::vector<std::string> tensor_names() const override {
    std::vector<std::string> names;
    for (const auto& [n, s] : shapes_) names.push_back(n);
    return names;
  }
  Expected<compiler::TensorShape> shape(std::string_view name) const override {
    auto it = shapes_.find(std::string(name));
    if (it == shapes_.end()) return fail(ErrorCode::kNotFound, std::string(name));
    return it->second;
  }
  Expected<std::vector<float>> load(std::string_view name) const override {
    NPU_TRY_ASSIGN(auto s, shape(name));
    std::uint64_t n = 1;
    for (auto d : s) n *= d;
    const bool norm = name.find("norm") != std::string_view::npos;
    return std::vector<float>(n, norm ? 1.0f : 0.02f);
  }

 private:
  std::map<std::string, compiler::TensorShape, std::less<>> shapes_;
};


// A synthetic byte-level tokenizer of the model's vocabulary (the runtime requires one).
Expected<TokenizerData> synthetic_tokenizer(std::uint32_t vocab) {
  NPU_TRY_ASSIGN(auto g, compiler::make_synthetic_tokenizer(vocab));
  TokenizerData t;
  t.tokens = g.tokens;
  for (auto type : g.token_types) {
    NPU_TRY_ASSIGN(auto tt, token_type_from_gguf(type));
    t.token_types.push_back(tt);
  }
  t.merges = g.merges;
  t.bos_id = 1;
  t.eos_id = 2;
  return t;
}

}  // namespace

Expected<std::string> model_config_text(const std::string& name_or_path) {
  if (auto builtin = compiler::llm::find_builtin_model(name_or_path)) return std::string(builtin->config_json);
  return read_text_file(name_or_path);
}

Expected<std::uint64_t> compile_timing_only(const TimingOnlyModel& m, const std::filesystem::path& out) {
  NPU_TRY_ASSIGN(auto text, model_config_text(m.config));
  NPU_TRY_ASSIGN(auto config, compiler::model_config_from_hf_json(text));
  ConstantWeights weights(config);
  NPU_TRY_ASSIGN(auto tokenizer, synthetic_tokenizer(config.vocab_size));
  compiler::llm::LlmSource src{config, &weights, std::move(tokenizer), std::filesystem::path(m.config).stem().string() + " (timing only)", true};
  compiler::llm::LlmCompileOptions o;
  NPU_TRY_ASSIGN(o.policy, compiler::llm::builtin_policy(m.policy));
  o.context_length = m.context;
  o.prefill_chunk = m.prefill_chunk;
  o.calibration_tokens = 0;  // no fp32 trace: the values are never computed
  NPU_TRY_ASSIGN(o.device, compiler::llm::load_device_memory("hailo10h"));
  NPU_TRY_ASSIGN(auto model, compiler::llm::compile_llm(src, o));
  const std::uint64_t bytes = model.weights.size();
  model.weights.clear();
  model.weights.shrink_to_fit();
  NPU_TRY(compiler::llm::write_llm_npk(model, out));
  return bytes;
}

Expected<void> compile_small_lfm2(const std::filesystem::path& out) {
  compiler::ModelConfig c;
  c.arch = compiler::Architecture::kLfm2;
  c.hidden_size = 256;
  c.n_layers = 4;
  c.n_heads = 4;
  c.head_dim = 64;
  c.ffn_size = 512;
  c.vocab_size = 1024;
  c.context_length = 512;
  c.conv_l_cache = 3;
  c.layer_kinds = {compiler::LayerKind::kConv, compiler::LayerKind::kAttention, compiler::LayerKind::kConv,
                   compiler::LayerKind::kAttention};
  c.kv_heads = {0, 2, 0, 2};
  c.qk_norm = true;
  c.bos_token_id = 1;
  c.eos_token_id = 7;
  NPU_TRY_ASSIGN(auto weights, compiler::SyntheticWeightSource::create(c, 1));
  NPU_TRY_ASSIGN(auto tokenizer, synthetic_tokenizer(c.vocab_size));
  compiler::llm::LlmSource src{c, weights.get(), std::move(tokenizer), "bench-lfm2-small", true};
  compiler::llm::LlmCompileOptions o;
  NPU_TRY_ASSIGN(o.policy, compiler::llm::builtin_policy("default"));
  o.context_length = 512;
  o.prefill_chunk = 32;
  o.calibration_tokens = 32;
  NPU_TRY_ASSIGN(o.device, compiler::llm::load_device_memory("hailo10h"));
  NPU_TRY_ASSIGN(auto model, compiler::llm::compile_llm(src, o));
  return compiler::llm::write_llm_npk(model, out);
}

}  // namespace npu::bench
