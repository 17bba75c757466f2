// The shape of a decoder-only language model, as the compiler and the fp32 reference need it:
// LFM2 / LFM2.5 (short-conv + GQA hybrid), LFM2-MoE (LFM2's layers with routed experts), Llama, Qwen2
// and Qwen3. Read from GGUF metadata or from a Hugging Face config.json; both give the same
// ModelConfig for the same model. Gemma 3 (local and global attention, GeGLU) is read from
// config.json and compiles for timing only (executes_with_values()).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::compiler {

class GgufFile;

enum class Architecture { kLfm2, kLlama, kQwen2, kQwen3, kGemma3, kLfm2Moe };
enum class LayerKind { kConv, kAttention };
// The gated feed-forward's activation: SiLU (SwiGLU) or the tanh approximation of GELU (GeGLU, Gemma).
enum class FfnActivation { kSwiGlu, kGeluTanh };

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

  // Gemma 3. Sliding-window (local) attention: one window per layer, 0 for a global layer (empty:
  // all global); a local layer attends to the last `window` positions and uses rope_local_theta.
  std::vector<std::uint32_t> attn_window;
  double rope_local_theta = 0.0;       // RoPE base of local layers (unscaled); 0: rope_theta
  float attn_scale = 0.0f;             // query scale; 0: 1/sqrt(head_dim) (Gemma: query_pre_attn_scalar^-1/2)
  FfnActivation ffn_activation = FfnActivation::kSwiGlu;
  bool sandwich_norms = false;         // RMSNorm after attention and after the FFN, before each residual add
  bool embedding_scale = false;        // embeddings multiplied by sqrt(hidden_size)

  // Routed mixture of experts (LFM2-MoE): layers from n_dense_layers on replace the FFN by
  // n_experts experts of width moe_ffn_size, experts_per_token of them per token, chosen by a router.
  std::uint32_t n_experts = 0;
  std::uint32_t experts_per_token = 0;
  std::uint32_t moe_ffn_size = 0;
  std::uint32_t n_dense_layers = 0;
  bool router_sigmoid = false;         // sigmoid scores (LFM2-MoE); false: softmax
  bool router_bias = false;            // a per-expert bias added for the choice only
  bool norm_topk = false;              // the k weights divided by their sum
  double routed_scale = 1.0;

  [[nodiscard]] bool is_attention(std::uint32_t layer) const { return layer_kinds.at(layer) == LayerKind::kAttention; }
  [[nodiscard]] std::uint32_t attention_layer_count() const noexcept;
  [[nodiscard]] bool is_moe(std::uint32_t layer) const noexcept { return n_experts > 0 && layer >= n_dense_layers; }
  // The sliding window of an attention layer (0: global).
  [[nodiscard]] std::uint32_t window(std::uint32_t layer) const noexcept {
    return layer < attn_window.size() ? attn_window[layer] : 0;
  }
  // Whether the compiler can build this model's weights and the device execute it with values; the
  // error says why not (then only a timing-only compile works: shapes, no weights).
  [[nodiscard]] Expected<void> executes_with_values() const;
  // eos_token_id, then the other end_of_turn_ids (no duplicates, no -1).
  [[nodiscard]] std::vector<std::int64_t> end_of_turn_tokens() const;
  // Checks every field for consistency; the error names the field and the fix.
  [[nodiscard]] Expected<void> validate() const;
  // One line: "lfm2 hidden 2048, 16 layers (10 conv, 6 attention), heads 32/8, ffn 8192, vocab 65536".
  [[nodiscard]] std::string summary() const;
};

// The most layers a model may declare. The largest published LLMs have about 130; a count far above
// that is a damaged or hostile file, refused before any per-layer table is allocated from it.
inline constexpr std::uint32_t kMaxModelLayers = 1024;
// Ok when `n_layers` (read from the key `key`, e.g. a GGUF's "lfm2.block_count") is at most
// kMaxModelLayers; else a format error naming the key and the limit.
[[nodiscard]] Expected<void> check_layer_count(std::uint32_t n_layers, std::string_view key);

// LFM2's feed-forward size rule: with auto-adjust, ff = int(2*ff/3), then int(multiplier*ff),
// then rounded up to a multiple of `multiple_of`. 12288 -> 8192 (1.2B), 6656 -> 4608 (350M).
// A multiplier that is not a positive number, or a size that does not fit 32 bits, is a format
// error naming config.json's key.
[[nodiscard]] Expected<std::uint32_t> lfm2_effective_ffn(std::uint32_t block_ff_dim, bool auto_adjust,
                                                         double multiplier, std::uint32_t multiple_of);

// From GGUF metadata (the tensor list decides tied vs untied head and Qwen2 biases).
[[nodiscard]] Expected<ModelConfig> model_config_from_gguf(const GgufFile& file);
// From the text of a Hugging Face config.json.
[[nodiscard]] Expected<ModelConfig> model_config_from_hf_json(std::string_view json_text);
[[nodiscard]] Expected<ModelConfig> model_config_from_hf_file(const std::filesystem::path& path);

}  // namespace npu::compiler
