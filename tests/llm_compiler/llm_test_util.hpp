// Shared helpers of the LLM compiler tests: tiny model shapes, compile with a policy, temp paths.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/rope_scaling.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "../models/test_models_util.hpp"

namespace npu::compiler::llm::testing {

// A tiny LFM2 (the model tests' shape: hidden 64, 4 heads of 16, layers per `pattern`, 'c' conv,
// 'a' attention) with the compiler's default context of 4096 positions.
inline ModelConfig tiny_lfm2(const std::string& pattern = "ccac", std::uint32_t kv = 2, bool tied = true) {
  ModelConfig c = npu::compiler::testing::tiny_lfm2(pattern, kv, tied);
  c.context_length = 4096;
  return c;
}

// Qwen2 (q/k/v biases, NeoX RoPE) or Llama (GGUF's interleaved RoPE pairs), all attention.
inline ModelConfig tiny_attention_model(Architecture arch, std::uint32_t layers = 2, std::uint32_t kv = 2) {
  ModelConfig c = tiny_lfm2(std::string(layers, 'a'), kv, arch != Architecture::kQwen2);
  c.arch = arch;
  c.conv_l_cache = 0;
  c.qk_norm = false;
  c.qkv_bias = arch == Architecture::kQwen2;
  c.rope_neox = arch == Architecture::kQwen2;
  c.norm_eps = 1e-6f;
  return c;
}

// Qwen3: per-head q/k RMSNorm, no biases, heads x head_dim (4 x 32) wider than hidden (64).
inline ModelConfig tiny_qwen3(std::uint32_t layers = 2, std::uint32_t kv = 2) {
  ModelConfig c = tiny_attention_model(Architecture::kQwen2, layers, kv);
  c.arch = Architecture::kQwen3;
  c.qkv_bias = false;
  c.qk_norm = true;
  c.head_dim = 32;
  return c;
}

// Llama with Llama 3.x RoPE scaling (original context 64, so it matters in short tests).
inline ModelConfig tiny_llama3(std::uint32_t layers = 2, std::uint32_t kv = 2) {
  ModelConfig c = tiny_attention_model(Architecture::kLlama, layers, kv);
  c.rope_freq_factors = llama3_rope_freq_factors(c.rope_theta, c.head_dim, {8.0, 1.0, 4.0, 64.0});
  return c;
}

// LFM2-MoE: LFM2's layers, the first `dense` with the dense FFN, the rest with `experts` routed
// experts of width 32, `k` per token (sigmoid router with a choice bias, normalized weights).
inline ModelConfig tiny_lfm2moe(const std::string& pattern = "ccacac", std::uint32_t dense = 2, std::uint32_t experts = 8,
                                std::uint32_t k = 3) {
  ModelConfig c = tiny_lfm2(pattern, 2, false);
  c.arch = Architecture::kLfm2Moe;
  c.n_experts = experts;
  c.experts_per_token = k;
  c.moe_ffn_size = 32;
  c.n_dense_layers = dense;
  c.router_sigmoid = true;
  c.router_bias = true;
  c.norm_topk = true;
  return c;
}

struct TinyModel {
  std::unique_ptr<WeightSource> weights;
  LlmSource source;
};

inline TinyModel make_tiny(const ModelConfig& c, std::uint64_t seed = 1) {
  TinyModel m;
  auto w = SyntheticWeightSource::create(c, seed);
  EXPECT_TRUE(w.has_value()) << (w ? "" : w.error().what());
  m.weights = std::move(*w);
  auto g = make_synthetic_tokenizer(c.vocab_size);
  EXPECT_TRUE(g.has_value());
  auto tok = tokenizer_from_export(*g, c);
  EXPECT_TRUE(tok.has_value());
  m.source = LlmSource{c, m.weights.get(), std::move(*tok), "tiny", true};
  return m;
}

inline LlmCompileOptions tiny_options(const std::string& policy, std::uint32_t chunk = 8, std::uint32_t context = 256) {
  LlmCompileOptions o;
  auto p = builtin_policy(policy);
  EXPECT_TRUE(p.has_value());
  o.policy = *p;
  o.prefill_chunk = chunk;
  o.context_length = context;
  o.calibration_tokens = 96;
  o.device = DeviceMemory{"test", 16u << 20, 1ull << 30};
  return o;
}

inline CompiledLlm compile_tiny(const TinyModel& m, const LlmCompileOptions& o) {
  auto r = compile_llm(m.source, o);
  if (!r) ADD_FAILURE() << r.error().what();
  return r ? std::move(*r) : CompiledLlm{};
}

inline std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("npu_llmc_" + std::to_string(::getpid()) + "_" + name);
}

}  // namespace npu::compiler::llm::testing
