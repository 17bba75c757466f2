// Tiny LFM2 models compiled in the test (synthetic weights and vocabulary, compiler library),
// written to .npk files, and the helpers the LLM runtime tests share.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/llm_emulation.hpp"
#include "npu/compiler/synthetic_tokenizer.hpp"
#include "npu/compiler/synthetic_weights.hpp"
#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"

namespace npu::test {

inline std::filesystem::path llm_temp(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("npu_llm_runtime_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// hidden 64, layers conv/attention/conv, 4 heads (2 KV), vocab 300, context 64, prefill chunk 8.
inline compiler::ModelConfig tiny_lfm2_config() {
  compiler::ModelConfig c;
  c.arch = compiler::Architecture::kLfm2;
  c.hidden_size = 64;
  c.n_layers = 3;
  c.n_heads = 4;
  c.head_dim = 16;
  c.ffn_size = 128;
  c.vocab_size = 300;
  c.context_length = 64;
  c.conv_l_cache = 3;
  c.layer_kinds = {compiler::LayerKind::kConv, compiler::LayerKind::kAttention, compiler::LayerKind::kConv};
  c.kv_heads = {0, 2, 0};
  c.rope_theta = 1e6;
  c.qk_norm = true;
  c.bos_token_id = 1;
  c.eos_token_id = 7;
  c.pad_token_id = 0;
  return c;
}

inline TokenizerData tokenizer_data(const compiler::GgufTokenizer& g) {
  TokenizerData t;
  t.model = g.model;
  t.pre = g.pre;
  t.tokens = g.tokens;
  for (auto type : g.token_types) t.token_types.push_back(token_type_from_gguf(type).value());
  t.merges = g.merges;
  t.bos_id = 1;
  t.eos_id = 7;
  t.pad_id = 0;
  t.add_bos = g.add_bos;
  return t;
}

struct TinyLlm {
  compiler::llm::CompiledLlm compiled;
  std::filesystem::path path;
};

// Compiles the tiny model with `policy` (a built-in name or a policy file) and weight `seed` into
// `file_name` (with `chat_template`
// as the template it ships, when given), for a context of `context` positions.
inline TinyLlm compile_tiny(const std::string& policy, std::uint64_t seed, const std::string& file_name,
                            const std::string& chat_template = {}, std::uint32_t context = 64) {
  auto config = tiny_lfm2_config();
  config.context_length = context;
  auto weights = compiler::SyntheticWeightSource::create(config, seed);
  EXPECT_TRUE(weights.has_value()) << weights.error().what();
  auto tok = compiler::make_synthetic_tokenizer(config.vocab_size);
  EXPECT_TRUE(tok.has_value()) << tok.error().what();
  compiler::llm::LlmSource source{config, weights->get(), tokenizer_data(*tok),
                                  "tiny-lfm2-" + policy + "-" + std::to_string(seed), true};
  source.tokenizer.chat_template = chat_template;
  compiler::llm::LlmCompileOptions options;
  options.policy = compiler::llm::load_policy(policy).value();  // a built-in name or a policy file
  options.context_length = context;
  options.prefill_chunk = 8;
  options.calibration_tokens = 32;
  options.device = compiler::llm::load_device_memory("hailo10h").value();
  auto compiled = compiler::llm::compile_llm(source, options);
  EXPECT_TRUE(compiled.has_value()) << compiled.error().what();
  TinyLlm out{std::move(*compiled), llm_temp(file_name)};
  auto written = compiler::llm::write_llm_npk(out.compiled, out.path);
  EXPECT_TRUE(written.has_value()) << written.error().what();
  return out;
}

// Reads a generator to its end; the tokens of its content/reasoning/status events.
inline std::vector<genai::TokenId> drain_tokens(genai::Generator& gen, genai::GenerationStatus* status = nullptr) {
  std::vector<genai::TokenId> tokens;
  while (true) {
    auto out = gen.read(std::chrono::seconds(30));
    EXPECT_TRUE(out.has_value()) << out.error().what();
    if (!out) break;
    if (out->kind == genai::OutputKind::kEnd) {
      if (status) *status = out->status;
      break;
    }
    if (out->token >= 0) tokens.push_back(out->token);
  }
  return tokens;
}

inline genai::GeneratorParams greedy(std::uint32_t max_tokens) {
  genai::GeneratorParams p;
  p.greedy = true;
  p.ignore_end_tokens = true;
  p.max_generated_tokens = max_tokens;
  return p;
}

inline std::vector<genai::TokenId> prompt_tokens(std::size_t n, std::int32_t first = 20) {
  std::vector<genai::TokenId> t;
  for (std::size_t i = 0; i < n; ++i) t.push_back(first + static_cast<std::int32_t>((i * 37) % 250));
  return t;
}

}  // namespace npu::test
