#include "bench_models.hpp"

#include <cstdlib>
#include <map>

#include "npu/common/file.hpp"
#include "npu/compiler/llm_builtin.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"

namespace npu::bench {
namespace {

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

Expected<std::uint64_t> compile_timing_only(const TimingOnlyModel& m, const std::filesystem::path& out) {
  NPU_TRY_ASSIGN(auto loaded, compiler::llm::load_llm_synthetic(m.config));
  compiler::llm::LlmCompileOptions o;
  NPU_TRY_ASSIGN(o.policy, compiler::llm::builtin_policy(m.policy));
  o.context_length = m.context;
  o.prefill_chunk = m.prefill_chunk;
  o.timing_only = true;  // shapes only: no weight is read, quantized or calibrated
  NPU_TRY_ASSIGN(o.device, compiler::llm::load_device_memory("hailo10h"));
  NPU_TRY_ASSIGN(auto model, compiler::llm::compile_llm(loaded.source, o));
  NPU_TRY(compiler::llm::write_llm_npk(model, out));
  return model.weights_bytes;
}

Expected<void> compile_lfm2(const std::filesystem::path& out, const Lfm2Shape& shape) {
  compiler::ModelConfig c;
  c.arch = compiler::Architecture::kLfm2;
  c.hidden_size = shape.hidden;
  c.n_layers = shape.layers;
  c.head_dim = 64;
  c.n_heads = shape.hidden / 64;
  c.ffn_size = shape.ffn;
  c.vocab_size = shape.vocab;
  c.context_length = 512;
  c.conv_l_cache = 3;
  for (std::uint32_t i = 0; i < shape.layers; ++i) {
    const bool attention = i % 2 == 1;  // conv, attention, conv, attention, ...
    c.layer_kinds.push_back(attention ? compiler::LayerKind::kAttention : compiler::LayerKind::kConv);
    c.kv_heads.push_back(attention ? c.n_heads / 2 : 0);
  }
  c.qk_norm = true;
  c.bos_token_id = 1;
  c.eos_token_id = 7;
  NPU_TRY_ASSIGN(auto weights, compiler::SyntheticWeightSource::create(c, 1));
  NPU_TRY_ASSIGN(auto tokenizer, synthetic_tokenizer(c.vocab_size));
  compiler::llm::LlmSource src{c, weights.get(), std::move(tokenizer), shape.name, true};
  compiler::llm::LlmCompileOptions o;
  NPU_TRY_ASSIGN(o.policy, compiler::llm::builtin_policy("default"));
  o.context_length = 512;
  o.prefill_chunk = 32;
  o.calibration_tokens = 32;
  NPU_TRY_ASSIGN(o.device, compiler::llm::load_device_memory("hailo10h"));
  NPU_TRY_ASSIGN(auto model, compiler::llm::compile_llm(src, o));
  return compiler::llm::write_llm_npk(model, out);
}

Expected<void> compile_small_lfm2(const std::filesystem::path& out) { return compile_lfm2(out, Lfm2Shape{}); }

}  // namespace npu::bench
