// The built-in model shapes (published config.json values; no weights).
#include <algorithm>
#include <cctype>

#include "npu/compiler/llm_builtin.hpp"

namespace npu::compiler::llm {
namespace {

constexpr std::string_view kLfm25_1_2b = R"json({
  "architectures": ["Lfm2ForCausalLM"], "model_type": "lfm2",
  "hidden_size": 2048, "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
  "block_ff_dim": 12288, "block_auto_adjust_ff_dim": true, "block_multiple_of": 256,
  "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "conv_bias": false, "norm_eps": 1e-05,
  "rope_theta": 1000000.0, "max_position_embeddings": 128000, "tie_embedding": true,
  "vocab_size": 65536, "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0,
  "layer_types": ["conv", "conv", "full_attention", "conv", "conv", "full_attention", "conv", "conv",
                  "full_attention", "conv", "full_attention", "conv", "full_attention", "conv",
                  "full_attention", "conv"]
})json";

constexpr std::string_view kLfm2_350m = R"json({
  "architectures": ["Lfm2ForCausalLM"], "model_type": "lfm2",
  "hidden_size": 1024, "num_hidden_layers": 16, "num_attention_heads": 16, "num_key_value_heads": 8,
  "block_ff_dim": 6656, "block_auto_adjust_ff_dim": true, "block_multiple_of": 256,
  "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "conv_bias": false, "norm_eps": 1e-05,
  "rope_theta": 1000000.0, "max_position_embeddings": 128000, "tie_embedding": true,
  "vocab_size": 65536, "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0,
  "full_attn_idxs": [2, 5, 8, 10, 12, 14]
})json";

constexpr std::string_view kQwen2_1_5b = R"json({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
  "hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
  "num_attention_heads": 12, "num_key_value_heads": 2, "max_position_embeddings": 32768,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true,
  "bos_token_id": 151643, "eos_token_id": 151645, "vocab_size": 151936
})json";

// Shapes for `npu predict` and the timing checks (published config.json values, shapes only).
constexpr std::string_view kLfm2_700m = R"json({
  "architectures": ["Lfm2ForCausalLM"], "model_type": "lfm2",
  "hidden_size": 1536, "num_hidden_layers": 16, "num_attention_heads": 24, "num_key_value_heads": 8,
  "block_ff_dim": 10240, "block_auto_adjust_ff_dim": true, "block_multiple_of": 256,
  "block_ffn_dim_multiplier": 1.0, "conv_L_cache": 3, "conv_bias": false, "norm_eps": 1e-05,
  "rope_theta": 1000000.0, "max_position_embeddings": 128000, "tie_embedding": true,
  "vocab_size": 65536, "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0,
  "full_attn_idxs": [2, 5, 8, 10, 12, 14]
})json";

constexpr std::string_view kQwen25_1_5b = R"json({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
  "hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
  "num_attention_heads": 12, "num_key_value_heads": 2, "max_position_embeddings": 32768,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true,
  "bos_token_id": 151643, "eos_token_id": 151645, "vocab_size": 151936
})json";

constexpr std::string_view kQwen25_3b = R"json({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
  "hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36,
  "num_attention_heads": 16, "num_key_value_heads": 2, "max_position_embeddings": 32768,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true,
  "bos_token_id": 151643, "eos_token_id": 151645, "vocab_size": 151936
})json";

constexpr std::string_view kDeepSeekR1DistillQwen_1_5b = R"json({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
  "hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
  "num_attention_heads": 12, "num_key_value_heads": 2, "max_position_embeddings": 131072,
  "rms_norm_eps": 1e-06, "rope_theta": 10000, "tie_word_embeddings": false,
  "bos_token_id": 151646, "eos_token_id": 151643, "vocab_size": 151936
})json";

constexpr std::string_view kLlama32_1b = R"json({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
  "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16,
  "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64,
  "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "tie_word_embeddings": true, "bos_token_id": 128000, "eos_token_id": 128009, "vocab_size": 128256
})json";

constexpr std::string_view kLlama32_3b = R"json({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
  "hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 28,
  "num_attention_heads": 24, "num_key_value_heads": 8, "head_dim": 128,
  "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "tie_word_embeddings": true, "bos_token_id": 128000, "eos_token_id": 128009, "vocab_size": 128256
})json";

// Qwen3: q/k RMSNorm per head, head_dim 128 independent of hidden_size, no q/k/v biases.
constexpr std::string_view kQwen3_0_6b = R"json({
  "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_act": "silu",
  "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28,
  "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
  "max_position_embeddings": 40960, "rms_norm_eps": 1e-06, "rope_theta": 1000000,
  "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": 151645, "vocab_size": 151936
})json";

constexpr std::string_view kQwen3_1_7b = R"json({
  "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_act": "silu",
  "hidden_size": 2048, "intermediate_size": 6144, "num_hidden_layers": 28,
  "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
  "max_position_embeddings": 40960, "rms_norm_eps": 1e-06, "rope_theta": 1000000,
  "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": 151645, "vocab_size": 151936
})json";

constexpr std::string_view kQwen3_4b = R"json({
  "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_act": "silu",
  "hidden_size": 2560, "intermediate_size": 9728, "num_hidden_layers": 36,
  "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
  "max_position_embeddings": 40960, "rms_norm_eps": 1e-06, "rope_theta": 1000000,
  "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": 151645, "vocab_size": 151936
})json";

// Gemma 3 text models: five sliding-window (local) layers, then one global, repeated; GeGLU,
// q/k norms, sandwich norms, head_dim 256 independent of hidden / heads, tied embeddings.
constexpr std::string_view kGemma3_1b = R"json({
  "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_activation": "gelu_pytorch_tanh",
  "hidden_size": 1152, "intermediate_size": 6912, "num_hidden_layers": 26,
  "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 256, "query_pre_attn_scalar": 256,
  "sliding_window": 512, "sliding_window_pattern": 6, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
  "rope_scaling": null, "max_position_embeddings": 32768, "rms_norm_eps": 1e-06,
  "tie_word_embeddings": true, "bos_token_id": 2, "eos_token_id": [1, 106], "pad_token_id": 0, "vocab_size": 262144
})json";

// The text model of Gemma 3 4B (its config.json nests it in text_config, beside the vision tower).
constexpr std::string_view kGemma3_4b = R"json({
  "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_activation": "gelu_pytorch_tanh",
  "hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 34,
  "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "query_pre_attn_scalar": 256,
  "sliding_window": 1024, "sliding_window_pattern": 6, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
  "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "max_position_embeddings": 131072, "rms_norm_eps": 1e-06,
  "tie_word_embeddings": true, "bos_token_id": 2, "eos_token_id": [1, 106], "pad_token_id": 0, "vocab_size": 262208
})json";

// LFM2-8B-A1B: LFM2's conv / attention hybrid, 24 layers; the first two have a dense FFN, the
// others 32 routed experts of width 1792, 4 per token (sigmoid router with a choice bias).
constexpr std::string_view kLfm2_8b_a1b = R"json({
  "architectures": ["Lfm2MoeForCausalLM"], "model_type": "lfm2_moe",
  "hidden_size": 2048, "intermediate_size": 7168, "moe_intermediate_size": 1792, "num_hidden_layers": 24,
  "num_attention_heads": 32, "num_key_value_heads": 8, "num_dense_layers": 2, "num_experts": 32,
  "num_experts_per_tok": 4, "norm_topk_prob": true, "use_expert_bias": true, "routed_scaling_factor": 1.0,
  "conv_L_cache": 3, "conv_bias": false, "norm_eps": 1e-05, "rope_theta": 1000000.0,
  "max_position_embeddings": 128000, "tie_word_embeddings": true, "vocab_size": 65536,
  "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0,
  "layer_types": ["conv", "conv", "full_attention", "conv", "conv", "conv", "full_attention", "conv",
                  "conv", "conv", "full_attention", "conv", "conv", "conv", "full_attention", "conv",
                  "conv", "conv", "full_attention", "conv", "conv", "full_attention", "conv", "conv"]
})json";

struct Alias {
  std::string_view alias, name;
};
constexpr Alias kAliases[] = {
    {"lfm2.5-1.2b-thinking", "lfm2.5-1.2b"}, {"lfm2.5-1.2b-instruct", "lfm2.5-1.2b"},
    {"lfm2-1.2b", "lfm2.5-1.2b"},            {"qwen2-1.5b-instruct", "qwen2-1.5b"},
    {"qwen2.5-1.5b-instruct", "qwen2.5-1.5b"}, {"qwen2.5-coder-1.5b", "qwen2.5-1.5b"},
    {"qwen2.5-coder-1.5b-instruct", "qwen2.5-1.5b"}, {"qwen2.5-3b-instruct", "qwen2.5-3b"},
    {"llama-3.2-1b", "llama3.2-1b"}, {"llama-3.2-1b-instruct", "llama3.2-1b"},
    {"llama-3.2-3b", "llama3.2-3b"}, {"llama-3.2-3b-instruct", "llama3.2-3b"},
    {"gemma-3-1b", "gemma3-1b"}, {"gemma-3-1b-it", "gemma3-1b"}, {"gemma-3-4b", "gemma3-4b"},
    {"gemma-3-4b-it", "gemma3-4b"}, {"lfm2-8b-a1b-instruct", "lfm2-8b-a1b"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

const std::vector<BuiltinModel>& builtin_models() {
  static const std::vector<BuiltinModel> models = {
      {"lfm2.5-1.2b", "LiquidAI LFM2.5-1.2B (Thinking / Instruct; same shapes as LFM2-1.2B)", kLfm25_1_2b},
      {"lfm2-350m", "LiquidAI LFM2-350M", kLfm2_350m},
      {"qwen2-1.5b", "Qwen2-1.5B-Instruct (the simulator's calibration model)", kQwen2_1_5b},
      {"lfm2-700m", "LiquidAI LFM2-700M", kLfm2_700m},
      {"qwen2.5-1.5b", "Qwen2.5-1.5B-Instruct (same shape: Qwen2.5-Coder-1.5B-Instruct)", kQwen25_1_5b},
      {"qwen2.5-3b", "Qwen2.5-3B-Instruct", kQwen25_3b},
      {"deepseek-r1-distill-qwen-1.5b", "DeepSeek-R1-Distill-Qwen-1.5B (Qwen2 shape, untied head)",
       kDeepSeekR1DistillQwen_1_5b},
      {"llama3.2-1b", "Llama-3.2-1B-Instruct", kLlama32_1b},
      {"llama3.2-3b", "Llama-3.2-3B-Instruct", kLlama32_3b},
      {"qwen3-0.6b", "Qwen3-0.6B (q/k norms)", kQwen3_0_6b},
      {"qwen3-1.7b", "Qwen3-1.7B (q/k norms)", kQwen3_1_7b},
      {"qwen3-4b", "Qwen3-4B (q/k norms)", kQwen3_4b},
      {"gemma3-1b", "Gemma 3 1B (local/global attention, GeGLU; timing only)", kGemma3_1b},
      {"gemma3-4b", "Gemma 3 4B text model (local/global attention, GeGLU; timing only)", kGemma3_4b},
      {"lfm2-8b-a1b", "LiquidAI LFM2-8B-A1B (32 experts, 4 active)", kLfm2_8b_a1b},
  };
  return models;
}

std::optional<BuiltinModel> find_builtin_model(std::string_view name) {
  std::string key = lower(name);
  for (const Alias& a : kAliases) {
    if (key == a.alias) key = std::string(a.name);
  }
  for (const BuiltinModel& m : builtin_models()) {
    if (m.name == key) return m;
  }
  return std::nullopt;
}

std::string builtin_model_names() {
  std::string out;
  for (const BuiltinModel& m : builtin_models()) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

}  // namespace npu::compiler::llm
