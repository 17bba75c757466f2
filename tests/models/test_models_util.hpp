// Shared helpers for the model tests: small configs and temp paths.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "npu/compiler/model_config.hpp"

namespace npu::compiler::testing {

// A tiny LFM2: hidden 64, 4 heads of 16, layers conv/attention per `pattern` ("cacc"), kv heads `kv`.
inline ModelConfig tiny_lfm2(const std::string& pattern = "ccac", std::uint32_t kv = 2, bool tied = true) {
  ModelConfig c;
  c.arch = Architecture::kLfm2;
  c.hidden_size = 64;
  c.n_heads = 4;
  c.head_dim = 16;
  c.ffn_size = 96;
  c.vocab_size = 300;
  c.context_length = 256;
  c.conv_l_cache = 3;
  c.n_layers = static_cast<std::uint32_t>(pattern.size());
  for (char ch : pattern) {
    c.layer_kinds.push_back(ch == 'a' ? LayerKind::kAttention : LayerKind::kConv);
    c.kv_heads.push_back(ch == 'a' ? kv : 0);
  }
  c.rope_theta = 1e6;
  c.norm_eps = 1e-5f;
  c.tied_embeddings = tied;
  c.qk_norm = true;
  c.rope_neox = true;
  c.bos_token_id = 1;
  c.eos_token_id = 7;
  c.pad_token_id = 0;
  return c;
}

inline std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("npu_models_" + std::to_string(::getpid()) + "_" + name);
}

}  // namespace npu::compiler::testing
