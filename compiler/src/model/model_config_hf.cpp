// ModelConfig from a Hugging Face config.json (LFM2 with `layer_types` or `full_attn_idxs`,
// LFM2-MoE, Llama, Qwen2, Qwen3, Gemma 3 text models).
#include <cmath>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "npu/common/file.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/rope_scaling.hpp"

namespace npu::compiler {
namespace {

using nlohmann::json;

Expected<std::uint32_t> get_u32(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return fail(ErrorCode::kBadFormat, fmt::format("config.json lacks \"{}\"", key));
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() > UINT32_MAX) {
    return fail(ErrorCode::kBadFormat, fmt::format("config.json \"{}\" must be a non-negative integer, got {}", key, it->dump()));
  }
  return it->get<std::uint32_t>();
}

Expected<std::uint32_t> get_u32_or(const json& j, const char* key, std::uint32_t fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  return get_u32(j, key);
}

Expected<double> get_f64_or(const json& j, const char* key, double fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) return fail(ErrorCode::kBadFormat, fmt::format("config.json \"{}\" must be a number, got {}", key, it->dump()));
  return it->get<double>();
}

bool get_bool_or(const json& j, const char* key, bool fallback) {
  auto it = j.find(key);
  return (it != j.end() && it->is_boolean()) ? it->get<bool>() : fallback;
}

std::int64_t get_token(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return -1;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<std::int64_t>();
  return -1;
}

// Every id of a token key that may be one id or a list (Llama 3.1: "eos_token_id": [128001, 128008, 128009]).
std::vector<std::int64_t> get_token_list(const json& j, const char* key) {
  std::vector<std::int64_t> ids;
  auto it = j.find(key);
  if (it == j.end()) return ids;
  if (it->is_number_integer()) ids.push_back(it->get<std::int64_t>());
  if (it->is_array()) {
    for (const json& v : *it) {
      if (v.is_number_integer()) ids.push_back(v.get<std::int64_t>());
    }
  }
  return ids;
}

// `rope_scaling` (transformers' newer configs: `rope_parameters`): absent, null or "default" is
// plain RoPE; "linear" and "llama3" are applied (rope_scaling.hpp); any other type is refused.
Expected<void> hf_rope_scaling(const json& j, ModelConfig& c) {
  const json* rs = nullptr;
  for (const char* key : {"rope_scaling", "rope_parameters"}) {
    auto it = j.find(key);
    if (it != j.end() && it->is_object()) rs = &*it;
  }
  if (rs == nullptr) return {};
  NPU_TRY_ASSIGN(c.rope_theta, get_f64_or(*rs, "rope_theta", c.rope_theta));
  std::string type = "default";
  for (const char* key : {"type", "rope_type"}) {
    auto it = rs->find(key);
    if (it != rs->end() && it->is_string()) type = it->get<std::string>();
  }
  auto number = [&](const char* key, double fallback) -> Expected<double> {
    NPU_TRY_ASSIGN(double v, get_f64_or(*rs, key, fallback));
    if (!(v > 0.0) || !std::isfinite(v)) {
      return fail(ErrorCode::kBadFormat, fmt::format("config.json rope_scaling \"{}\" must be a positive number, got {}", key, v));
    }
    return v;
  };
  if (type == "default") return {};
  if (type == "linear") {
    NPU_TRY_ASSIGN(double factor, number("factor", -1.0));
    c.rope_freq_scale = 1.0 / factor;
    return {};
  }
  if (type == "llama3") {
    if (c.arch != Architecture::kLlama) {
      return fail(ErrorCode::kUnsupported, fmt::format("config.json rope_scaling type \"llama3\" on a {} model is not "
                                                       "supported (only Llama uses it)", to_string(c.arch)));
    }
    Llama3RopeScaling s;
    NPU_TRY_ASSIGN(s.factor, number("factor", s.factor));
    NPU_TRY_ASSIGN(s.low_freq_factor, number("low_freq_factor", s.low_freq_factor));
    NPU_TRY_ASSIGN(s.high_freq_factor, number("high_freq_factor", s.high_freq_factor));
    NPU_TRY_ASSIGN(s.original_context, number("original_max_position_embeddings", s.original_context));
    if (s.high_freq_factor <= s.low_freq_factor) {
      return fail(ErrorCode::kBadFormat, fmt::format("config.json rope_scaling: high_freq_factor {} must exceed "
                                                     "low_freq_factor {}", s.high_freq_factor, s.low_freq_factor));
    }
    c.rope_freq_factors = llama3_rope_freq_factors(c.rope_theta, c.head_dim, s);
    return {};
  }
  return fail(ErrorCode::kUnsupported,
              fmt::format("config.json rope_scaling type \"{}\" is not supported (supported: \"linear\", \"llama3\"); "
                          "this model's positions would be wrong without it", type));
}

Expected<std::string> architecture_name(const json& j) {
  if (j.contains("model_type") && j["model_type"].is_string()) return j["model_type"].get<std::string>();
  if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty() &&
      j["architectures"][0].is_string()) {
    return j["architectures"][0].get<std::string>();
  }
  return fail(ErrorCode::kBadFormat, "config.json names no \"model_type\" or \"architectures\"");
}

// The `layer_types` list (one string per layer), or an empty list when the config has none.
Expected<std::vector<std::string>> layer_type_names(const json& j, std::uint32_t n_layers) {
  std::vector<std::string> names;
  if (!j.contains("layer_types") || !j["layer_types"].is_array()) return names;
  const json& types = j["layer_types"];
  if (types.size() != n_layers) {
    return fail(ErrorCode::kBadFormat, fmt::format("config.json \"layer_types\" has {} entries for {} layers", types.size(), n_layers));
  }
  for (const json& t : types) names.push_back(t.is_string() ? t.get<std::string>() : t.dump());
  return names;
}

// LFM2 layer kinds: `layer_types` (["conv", "full_attention", ...]) or `full_attn_idxs`.
Expected<void> lfm2_layers(const json& j, ModelConfig& c, std::uint32_t kv_heads) {
  std::vector<LayerKind> kinds(c.n_layers, LayerKind::kConv);
  NPU_TRY_ASSIGN(const std::vector<std::string> types, layer_type_names(j, c.n_layers));
  if (!types.empty()) {
    for (std::size_t l = 0; l < types.size(); ++l) {
      const std::string& t = types[l];
      if (t == "full_attention" || t == "attention") kinds[l] = LayerKind::kAttention;
      else if (t != "conv") {
        return fail(ErrorCode::kBadFormat, fmt::format("config.json \"layer_types\"[{}] is '{}' (expected \"conv\" or \"full_attention\")", l, t));
      }
    }
  } else if (j.contains("full_attn_idxs") && j["full_attn_idxs"].is_array()) {
    for (const json& idx : j["full_attn_idxs"]) {
      if (!idx.is_number_unsigned() || idx.get<std::uint64_t>() >= c.n_layers) {
        return fail(ErrorCode::kBadFormat, fmt::format("config.json \"full_attn_idxs\" entry {} is not a layer index below {}", idx.dump(), c.n_layers));
      }
      kinds[idx.get<std::size_t>()] = LayerKind::kAttention;
    }
  } else {
    return fail(ErrorCode::kBadFormat, "LFM2 config.json has neither \"layer_types\" nor \"full_attn_idxs\"");
  }
  c.layer_kinds = kinds;
  for (LayerKind k : kinds) c.kv_heads.push_back(k == LayerKind::kAttention ? kv_heads : 0);
  return {};
}

// Gemma 3 text model: local layers from `layer_types` ("sliding_attention" / "full_attention") or
// `sliding_window_pattern` (every pattern-th layer global), window `sliding_window`, local RoPE base
// `rope_local_base_freq` (or rope_parameters.sliding_attention), q/k norms, sandwich norms, GeGLU,
// embeddings scaled by sqrt(hidden), queries by query_pre_attn_scalar^-1/2.
Expected<void> gemma3_layers(const json& j, ModelConfig& c) {
  NPU_TRY_ASSIGN(std::uint32_t window, get_u32_or(j, "sliding_window", 0));
  c.attn_window.assign(c.n_layers, 0);
  NPU_TRY_ASSIGN(const std::vector<std::string> types, layer_type_names(j, c.n_layers));
  if (!types.empty()) {
    for (std::size_t l = 0; l < types.size(); ++l) {
      const std::string& t = types[l];
      if (t == "sliding_attention") c.attn_window[l] = window;
      else if (t != "full_attention") {
        return fail(ErrorCode::kBadFormat, fmt::format("config.json \"layer_types\"[{}] is '{}' (expected \"sliding_attention\" "
                                                       "or \"full_attention\")", l, t));
      }
    }
  } else {
    std::uint32_t pattern = 0;
    for (const char* key : {"sliding_window_pattern", "_sliding_window_pattern"}) {
      if (pattern != 0) continue;
      NPU_TRY_ASSIGN(pattern, get_u32_or(j, key, 0));
    }
    if (pattern == 0) pattern = 6;  // Gemma 3's published interleave: five local layers, then one global
    for (std::uint32_t l = 0; l < c.n_layers; ++l) c.attn_window[l] = (l + 1) % pattern == 0 ? 0 : window;
  }
  bool any_local = false;
  for (std::uint32_t w : c.attn_window) any_local = any_local || w != 0;
  if (any_local && window == 0) {
    return fail(ErrorCode::kBadFormat, "Gemma 3 config.json has sliding-attention layers but no \"sliding_window\"");
  }
  NPU_TRY_ASSIGN(c.rope_local_theta, get_f64_or(j, "rope_local_base_freq", 10000.0));
  NPU_TRY_ASSIGN(double qscalar, get_f64_or(j, "query_pre_attn_scalar", c.head_dim));
  if (!(qscalar > 0.0)) return fail(ErrorCode::kBadFormat, "config.json \"query_pre_attn_scalar\" must be positive");
  c.attn_scale = static_cast<float>(1.0 / std::sqrt(qscalar));
  const std::string act = j.value("hidden_activation", j.value("hidden_act", std::string("gelu_pytorch_tanh")));
  if (act != "gelu_pytorch_tanh" && act != "gelu_tanh") {
    return fail(ErrorCode::kUnsupported, fmt::format("Gemma 3 hidden_activation '{}' is not supported (gelu_pytorch_tanh)", act));
  }
  c.ffn_activation = FfnActivation::kGeluTanh;
  c.sandwich_norms = true;
  c.embedding_scale = true;
  c.qk_norm = true;
  c.rope_neox = true;
  return {};
}

// LFM2-MoE: the dense FFN width is `intermediate_size`; `num_experts` experts of
// `moe_intermediate_size` from layer `num_dense_layers` on, `num_experts_per_tok` per token.
Expected<void> lfm2_moe_fields(const json& j, ModelConfig& c) {
  NPU_TRY_ASSIGN(c.ffn_size, get_u32(j, "intermediate_size"));
  NPU_TRY_ASSIGN(c.n_experts, get_u32(j, "num_experts"));
  NPU_TRY_ASSIGN(c.experts_per_token, get_u32(j, "num_experts_per_tok"));
  NPU_TRY_ASSIGN(c.moe_ffn_size, get_u32(j, "moe_intermediate_size"));
  NPU_TRY_ASSIGN(c.n_dense_layers, get_u32_or(j, "num_dense_layers", 0));
  NPU_TRY_ASSIGN(c.routed_scale, get_f64_or(j, "routed_scaling_factor", 1.0));
  c.router_sigmoid = true;
  c.router_bias = get_bool_or(j, "use_expert_bias", true);
  c.norm_topk = get_bool_or(j, "norm_topk_prob", true);
  return {};
}

// Gemma 3 multimodal checkpoints (Gemma3ForConditionalGeneration) nest the text model in
// `text_config`; newer transformers nest RoPE per layer type in rope_parameters.
json gemma3_text_view(const json& j) {
  json t = j;
  if (j.contains("text_config") && j["text_config"].is_object()) {
    t = j["text_config"];
    for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id"}) {
      if (!t.contains(key) && j.contains(key)) t[key] = j[key];
    }
    if (!t.contains("vocab_size")) t["vocab_size"] = 262208;  // the multimodal checkpoints' text vocabulary
  }
  auto rp = t.find("rope_parameters");
  if (rp != t.end() && rp->is_object() && rp->contains("full_attention")) {
    const json full = (*rp)["full_attention"], local = rp->value("sliding_attention", json::object());
    if (local.is_object() && local.contains("rope_theta")) t["rope_local_base_freq"] = local["rope_theta"];
    if (full.is_object() && full.contains("rope_theta")) t["rope_theta"] = full["rope_theta"];
    t["rope_parameters"] = full;
  }
  return t;
}

}  // namespace

Expected<ModelConfig> model_config_from_hf_json(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kBadFormat, "config.json is not a valid JSON object");
  }
  NPU_TRY_ASSIGN(std::string arch_name, architecture_name(j));
  NPU_TRY_ASSIGN(Architecture arch, parse_architecture(arch_name));
  if (arch == Architecture::kGemma3) j = gemma3_text_view(j);
  ModelConfig c;
  c.arch = arch;
  NPU_TRY_ASSIGN(c.hidden_size, get_u32(j, "hidden_size"));
  NPU_TRY_ASSIGN(c.n_layers, get_u32(j, "num_hidden_layers"));
  NPU_TRY(check_layer_count(c.n_layers, "config.json \"num_hidden_layers\""));
  NPU_TRY_ASSIGN(c.n_heads, get_u32(j, "num_attention_heads"));
  NPU_TRY_ASSIGN(std::uint32_t kv_heads, get_u32_or(j, "num_key_value_heads", c.n_heads));
  NPU_TRY_ASSIGN(c.vocab_size, get_u32(j, "vocab_size"));
  NPU_TRY_ASSIGN(c.head_dim, get_u32_or(j, "head_dim", c.n_heads ? c.hidden_size / c.n_heads : 0));
  NPU_TRY_ASSIGN(c.context_length, get_u32_or(j, "max_position_embeddings", 2048));
  NPU_TRY_ASSIGN(c.rope_theta, get_f64_or(j, "rope_theta", 10000.0));
  c.bos_token_id = get_token(j, "bos_token_id");
  c.end_of_turn_ids = get_token_list(j, "eos_token_id");
  c.eos_token_id = c.end_of_turn_ids.empty() ? -1 : c.end_of_turn_ids.front();
  c.pad_token_id = get_token(j, "pad_token_id");

  if (arch == Architecture::kLfm2 || arch == Architecture::kLfm2Moe) {
    NPU_TRY_ASSIGN(double eps, get_f64_or(j, "norm_eps", 1e-5));
    c.norm_eps = static_cast<float>(eps);
    if (arch == Architecture::kLfm2Moe) {
      NPU_TRY(lfm2_moe_fields(j, c));
    } else {
      NPU_TRY_ASSIGN(std::uint32_t ff, get_u32(j, "block_ff_dim"));
      NPU_TRY_ASSIGN(double mult, get_f64_or(j, "block_ffn_dim_multiplier", 1.0));
      NPU_TRY_ASSIGN(std::uint32_t multiple_of, get_u32_or(j, "block_multiple_of", 256));
      NPU_TRY_ASSIGN(c.ffn_size, lfm2_effective_ffn(ff, get_bool_or(j, "block_auto_adjust_ff_dim", true), mult, multiple_of));
    }
    NPU_TRY_ASSIGN(c.conv_l_cache, get_u32_or(j, "conv_L_cache", 3));
    if (get_bool_or(j, "conv_bias", false)) {
      return fail(ErrorCode::kUnsupported, "LFM2 with conv_bias = true is not supported (no released model uses it)");
    }
    c.tied_embeddings = get_bool_or(j, "tie_embedding", get_bool_or(j, "tie_word_embeddings", true));
    c.qk_norm = true;
    c.rope_neox = true;
    NPU_TRY(lfm2_layers(j, c, kv_heads));
  } else {
    NPU_TRY_ASSIGN(double eps, get_f64_or(j, "rms_norm_eps", 1e-6));
    c.norm_eps = static_cast<float>(eps);
    NPU_TRY_ASSIGN(c.ffn_size, get_u32(j, "intermediate_size"));
    c.tied_embeddings = get_bool_or(j, "tie_word_embeddings", arch == Architecture::kQwen2 || arch == Architecture::kQwen3);
    c.qkv_bias = arch == Architecture::kQwen2;
    c.qk_norm = arch == Architecture::kQwen3;
    // Our canonical (GGUF) tensors for Llama have q/k rows permuted to interleaved RoPE pairs.
    c.rope_neox = arch != Architecture::kLlama;
    c.layer_kinds.assign(c.n_layers, LayerKind::kAttention);
    c.kv_heads.assign(c.n_layers, kv_heads);
    if (arch == Architecture::kGemma3) {
      c.tied_embeddings = get_bool_or(j, "tie_word_embeddings", true);
      NPU_TRY(gemma3_layers(j, c));
    }
  }
  NPU_TRY(hf_rope_scaling(j, c));
  NPU_TRY(c.validate());
  return c;
}

Expected<ModelConfig> model_config_from_hf_file(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(std::string text, read_text_file(path));
  auto config = model_config_from_hf_json(text);
  if (!config) return fail(config.error().with_context(path.string()));
  return config;
}

}  // namespace npu::compiler
