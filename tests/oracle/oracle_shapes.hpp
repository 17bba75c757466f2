// The tiny model shapes of the oracle tests (GQA group sizes 1, 2 and 4; conv/attention layer
// patterns; tied and untied heads; Qwen2, Qwen3 and Llama, Llama 3 RoPE scaling; LFM2-MoE) and the skip-or-fail rule when llama.cpp
// cannot run here: skipped loudly, FAILED under NPU_REQUIRE_ORACLE=1 (CI).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "npu/compiler/model_config.hpp"
#include "npu/compiler/rope_scaling.hpp"
#include "oracle_runner.hpp"

namespace npu::oracle {

inline constexpr std::uint32_t kSteps = 32;
inline constexpr double kTolerance = 1e-3;  // relative to the largest |logit| of the step

struct Shape {
  const char* name;
  std::uint32_t hidden, heads, kv_heads, ffn;
  const char* pattern;  // 'c' conv, 'a' attention
  bool tied;
  double rope_theta;
  compiler::Architecture arch = compiler::Architecture::kLfm2;
  const char* rope_scaling = "none";  // "llama3" (rope_freqs.weight) or "linear" (factor 4)
  std::uint32_t head_dim = 0;         // 0: hidden / heads
  // LFM2-MoE (arch kLfm2Moe): `experts` routed experts of width `moe_ffn`, `experts_used` per token,
  // from layer `dense_layers` on (a router with a choice bias, normalized weights; sigmoid scores
  // as LFM2-8B-A1B ships, or softmax: expert_gating_func 1, which llama.cpp's lfm2moe graph honours).
  std::uint32_t experts = 0, experts_used = 0, moe_ffn = 0, dense_layers = 0;
  bool softmax_gating = false;
};

// GQA group sizes 1, 2 and 4; conv/attention patterns; tied and untied heads.
inline const Shape kShapes[] = {
    {"gqa1_tied", 64, 4, 4, 96, "ccacca", true, 1e6},
    {"gqa2_untied", 64, 4, 2, 128, "cacac", false, 1e6},
    {"gqa4_tied_attention_first", 128, 8, 2, 160, "aacc", true, 1e4},
    {"gqa2_mostly_conv_untied", 96, 6, 3, 64, "cccac", false, 1e6},
    // The other two architectures of the reference: Qwen2 (q/k/v biases, NeoX RoPE) and Llama
    // (interleaved RoPE pairs), attention-only.
    {"qwen2_gqa2_tied", 64, 4, 2, 96, "aaa", true, 1e6, compiler::Architecture::kQwen2},
    {"llama_gqa4_untied", 64, 4, 1, 96, "aa", false, 1e4, compiler::Architecture::kLlama},
    // Llama 3.x RoPE scaling (factor 8, low/high frequency factors 1 and 4) with an original
    // context of 64 positions, so that the stretched low frequencies matter within the test's
    // 38 positions; and linear scaling (factor 4).
    {"llama3_rope_scaled", 64, 4, 2, 96, "aa", true, 5e5, compiler::Architecture::kLlama, "llama3"},
    {"llama_linear_rope", 64, 4, 2, 96, "aa", false, 1e4, compiler::Architecture::kLlama, "linear"},
    // Qwen3: per-head q/k RMSNorm, no biases, and (as the released models) heads x head_dim wider
    // than the hidden size.
    {"qwen3_wide_heads_tied", 64, 4, 2, 96, "aaa", true, 1e6, compiler::Architecture::kQwen3, "none", 32},
};

// LFM2-MoE: dense layers first, then routed experts in conv and attention layers alike; k of E
// with k > 1 (the weighted sum) and k = 1 (one expert, weight 1); sigmoid and softmax scores.
inline const Shape kMoeShapes[] = {
    {"lfm2moe_3_of_8_untied", 64, 4, 2, 96, "ccacac", false, 1e6, compiler::Architecture::kLfm2Moe, "none", 0, 8, 3, 32, 2},
    {"lfm2moe_1_of_4_tied", 64, 4, 4, 128, "caca", true, 1e6, compiler::Architecture::kLfm2Moe, "none", 0, 4, 1, 48, 1},
    {"lfm2moe_2_of_6_softmax", 64, 4, 2, 96, "cac", false, 1e6, compiler::Architecture::kLfm2Moe, "none", 0, 6, 2, 32, 1,
     true},
};

inline constexpr compiler::Llama3RopeScaling kOracleLlama3Scaling{8.0, 1.0, 4.0, 64.0};

inline compiler::ModelConfig config_for(const Shape& s) {
  using compiler::Architecture;
  using compiler::LayerKind;
  compiler::ModelConfig c;
  c.arch = s.arch;
  c.hidden_size = s.hidden;
  c.n_heads = s.heads;
  c.head_dim = s.head_dim != 0 ? s.head_dim : s.hidden / s.heads;
  c.ffn_size = s.ffn;
  c.vocab_size = 320;
  c.context_length = 128;
  const bool lfm2 = s.arch == Architecture::kLfm2 || s.arch == Architecture::kLfm2Moe;
  c.conv_l_cache = lfm2 ? 3 : 0;
  for (const char* p = s.pattern; *p != '\0'; ++p) {
    c.layer_kinds.push_back(*p == 'a' ? LayerKind::kAttention : LayerKind::kConv);
    c.kv_heads.push_back(*p == 'a' ? s.kv_heads : 0);
  }
  c.n_layers = static_cast<std::uint32_t>(c.layer_kinds.size());
  c.rope_theta = s.rope_theta;
  c.norm_eps = 1e-5f;
  c.tied_embeddings = s.tied;
  c.qk_norm = lfm2 || s.arch == Architecture::kQwen3;
  if (s.experts > 0) {
    c.n_experts = s.experts;
    c.experts_per_token = s.experts_used;
    c.moe_ffn_size = s.moe_ffn;
    c.n_dense_layers = s.dense_layers;
    c.router_sigmoid = !s.softmax_gating;
    c.router_bias = true;
    c.norm_topk = true;
  }
  c.qkv_bias = s.arch == Architecture::kQwen2;
  c.rope_neox = s.arch != Architecture::kLlama;
  c.bos_token_id = 1;
  c.eos_token_id = 7;
  c.pad_token_id = 0;
  if (std::string(s.rope_scaling) == "llama3") {
    c.rope_freq_factors = compiler::llama3_rope_freq_factors(c.rope_theta, c.head_dim, kOracleLlama3Scaling);
  } else if (std::string(s.rope_scaling) == "linear") {
    c.rope_freq_scale = 0.25;
  }
  return c;
}

inline bool oracle_required() {
  const char* v = std::getenv("NPU_REQUIRE_ORACLE");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace npu::oracle

// Skips loudly, or fails under NPU_REQUIRE_ORACLE=1.
#define NPU_REQUIRE_ORACLE_OR_SKIP()                                                                            \
  do {                                                                                                          \
    if (auto why = npu::oracle::oracle_unavailable()) {                                                         \
      if (npu::oracle::oracle_required()) FAIL() << "NPU_REQUIRE_ORACLE=1 but the oracle cannot run: " << *why; \
      std::fprintf(stderr, "\n*** ORACLE TEST SKIPPED: %s ***\n\n", why->c_str());                             \
      GTEST_SKIP() << "llama.cpp oracle unavailable: " << *why;                                                 \
    }                                                                                                           \
  } while (0)
