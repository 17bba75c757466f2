// The shape of a decoder-only language model, as the compiler and the fp32 reference need it:
// LFM2 / LFM2.5 (short-conv + GQA hybrid), Llama and Qwen2. Read from GGUF metadata or from a
// Hugging Face config.json; both give the same ModelConfig for the same model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::compiler {

class GgufFile;

enum class Architecture { kLfm2, kLlama, kQwen2, kQwen3 };
enum class LayerKind { kConv, kAttention };

[[nodiscard]] std::string_view to_string(Architecture arch) noexcept;  // GGUF name: "lfm2"
[[nodiscard]] Expected<Architecture> parse_architecture(std::string_view name);  // GGUF or HF name
[[nodiscard]] std::string_view to_string(LayerKind kind) noexcept;

struct ModelConfig {
  Architecture arch = Architecture::kLfm2;
  std::uint32_t hidden_size = 0;
  std::uint32_t n_layers = 0;
  std::uint32_t n_heads = 0;
  std::uint32_t head_dim = 0;
  std::uint32_t ffn_size = 0;          // effective (after LFM2's auto-adjust)
  std::uint32_t vocab_size = 0;
  std::uint32_t context_length = 0;
  std::uint32_t conv_l_cache = 0;      // LFM2 short-conv kernel length (3); 0 for other archs
  std::vector<LayerKind> layer_kinds;  // one per layer
  std::vector<std::uint32_t> kv_heads; // one per layer; 0 for conv layers
  double rope_theta = 10000.0;
  // RoPE scaling (rope_scaling.hpp): pair i turns by p * rope_freq_scale * theta^(-2i/d) /
  // rope_freq_factors[i] at position p. Linear scaling sets rope_freq_scale = 1 / factor; Llama 3
  // scaling sets the per-pair factors (GGUF `rope_freqs.weight`; empty: all 1).
  double rope_freq_scale = 1.0;
  std::vector<float> rope_freq_factors;
  float norm_eps = 1e-5f;
  bool tied_embeddings = true;         // output head is token_embd.weight
  bool qkv_bias = false;               // Qwen2: q/k/v projections have biases
  bool qk_norm = false;                // LFM2, Qwen3: per-head RMSNorm on q and k before RoPE
  bool rope_neox = true;               // pairs (i, i + head_dim/2); false: (2i, 2i+1) as GGUF Llama
  std::int64_t bos_token_id = -1;      // -1: none
  std::int64_t eos_token_id = -1;
  // Every id that ends a turn (HF `eos_token_id` lists; GGUF eos / eot / eom ids), eos_token_id
  // first; empty when the model names none.
  std::vector<std::int64_t> end_of_turn_ids;
  std::int64_t pad_token_id = -1;

  [[nodiscard]] bool is_attention(std::uint32_t layer) const { return layer_kinds.at(layer) == LayerKind::kAttention; }
  [[nodiscard]] std::uint32_t attention_layer_count() const noexcept;
  // eos_token_id, then the other end_of_turn_ids (no duplicates, no -1).
  [[nodiscard]] std::vector<std::int64_t> end_of_turn_tokens() const;
  // Checks every field for consistency; the error names the field and the fix.
  [[nodiscard]] Expected<void> validate() const;
  // One line: "lfm2 hidden 2048, 16 layers (10 conv, 6 attention), heads 32/8, ffn 8192, vocab 65536".
  [[nodiscard]] std::string summary() const;
};

// LFM2's feed-forward size rule: with auto-adjust, ff = int(2*ff/3), then int(multiplier*ff),
// then rounded up to a multiple of `multiple_of`. 12288 -> 8192 (1.2B), 6656 -> 4608 (350M).
[[nodiscard]] std::uint32_t lfm2_effective_ffn(std::uint32_t block_ff_dim, bool auto_adjust,
                                               double multiplier, std::uint32_t multiple_of) noexcept;

// From GGUF metadata (the tensor list decides tied vs untied head and Qwen2 biases).
[[nodiscard]] Expected<ModelConfig> model_config_from_gguf(const GgufFile& file);
// From the text of a Hugging Face config.json.
[[nodiscard]] Expected<ModelConfig> model_config_from_hf_json(std::string_view json_text);
[[nodiscard]] Expected<ModelConfig> model_config_from_hf_file(const std::filesystem::path& path);

}  // namespace npu::compiler
