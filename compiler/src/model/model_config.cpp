#include "npu/compiler/model_config.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace npu::compiler {

std::string_view to_string(Architecture arch) noexcept {
  switch (arch) {
    case Architecture::kLfm2: return "lfm2";
    case Architecture::kLlama: return "llama";
    case Architecture::kQwen2: return "qwen2";
    case Architecture::kQwen3: return "qwen3";
    case Architecture::kGemma3: return "gemma3";
    case Architecture::kLfm2Moe: return "lfm2moe";
  }
  return "unknown";
}

std::string_view to_string(LayerKind kind) noexcept {
  return kind == LayerKind::kConv ? "conv" : "attention";
}

Expected<Architecture> parse_architecture(std::string_view name) {
  if (name == "lfm2" || name == "Lfm2ForCausalLM") return Architecture::kLfm2;
  if (name == "llama" || name == "LlamaForCausalLM") return Architecture::kLlama;
  if (name == "qwen2" || name == "Qwen2ForCausalLM") return Architecture::kQwen2;
  if (name == "qwen3" || name == "Qwen3ForCausalLM") return Architecture::kQwen3;
  if (name == "gemma3" || name == "gemma3_text" || name == "Gemma3ForCausalLM" || name == "Gemma3ForConditionalGeneration")
    return Architecture::kGemma3;
  if (name == "lfm2moe" || name == "lfm2_moe" || name == "Lfm2MoeForCausalLM") return Architecture::kLfm2Moe;
  return fail(ErrorCode::kUnsupported,
              fmt::format("unsupported model architecture '{}' (supported: lfm2 [LFM2, LFM2.5], llama, "
                          "qwen2 [Qwen2, Qwen2.5], qwen3, lfm2moe [LFM2-MoE]; timing-only: gemma3)", name));
}

Expected<std::uint32_t> lfm2_effective_ffn(std::uint32_t block_ff_dim, bool auto_adjust, double multiplier,
                                           std::uint32_t multiple_of) {
  std::uint64_t ff = block_ff_dim;
  if (auto_adjust) {
    if (!std::isfinite(multiplier) || multiplier <= 0.0) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("config.json \"block_ffn_dim_multiplier\" is {}: it must be a positive number", multiplier));
    }
    const double scaled = multiplier * static_cast<double>(2 * ff / 3);
    if (scaled >= 4294967296.0) {  // also keeps the conversion below defined
      return fail(ErrorCode::kBadFormat,
                  fmt::format("config.json \"block_ffn_dim_multiplier\" {} makes the feed-forward size {} (more than "
                              "32 bits)", multiplier, scaled));
    }
    ff = static_cast<std::uint64_t>(scaled);
    if (multiple_of > 0) ff = (ff + multiple_of - 1) / multiple_of * multiple_of;
  }
  if (ff > UINT32_MAX) {
    return fail(ErrorCode::kBadFormat, fmt::format("the feed-forward size {} does not fit 32 bits", ff));
  }
  return static_cast<std::uint32_t>(ff);
}

Expected<void> ModelConfig::executes_with_values() const {
  if (arch != Architecture::kGemma3) return {};
  return fail(ErrorCode::kUnsupported,
              fmt::format("{} models compile for timing only (--timing-only, `npu predict`): the compiler cannot "
                          "read their weights yet and the device does not execute GeGLU, sliding-window attention "
                          "or scaled embeddings with values", to_string(arch)));
}

Expected<void> check_layer_count(std::uint32_t n_layers, std::string_view key) {
  if (n_layers <= kMaxModelLayers) return {};
  return fail(ErrorCode::kBadFormat, fmt::format("'{}' is {} layers, more than any model has (at most {}): "
                                                 "the file is damaged or not a model",
                                                 key, n_layers, kMaxModelLayers));
}

std::uint32_t ModelConfig::attention_layer_count() const noexcept {
  std::uint32_t n = 0;
  for (LayerKind k : layer_kinds) n += k == LayerKind::kAttention ? 1 : 0;
  return n;
}

Expected<void> ModelConfig::validate() const {
  auto bad = [](std::string msg) { return fail(ErrorCode::kBadFormat, std::move(msg)); };
  if (hidden_size == 0 || n_layers == 0 || n_heads == 0 || head_dim == 0 || ffn_size == 0 ||
      vocab_size == 0) {
    return bad(fmt::format("model config is incomplete: hidden {}, layers {}, heads {}, head_dim {}, "
                           "ffn {}, vocab {} (all must be > 0)",
                           hidden_size, n_layers, n_heads, head_dim, ffn_size, vocab_size));
  }
  if (layer_kinds.size() != n_layers || kv_heads.size() != n_layers) {
    return bad(fmt::format("model config lists {} layer kinds and {} kv-head counts for {} layers",
                           layer_kinds.size(), kv_heads.size(), n_layers));
  }
  if (head_dim % 2 != 0) return bad(fmt::format("head_dim {} must be even for RoPE", head_dim));
  const bool lfm2_family = arch == Architecture::kLfm2 || arch == Architecture::kLfm2Moe;
  if (!attn_window.empty() && attn_window.size() != n_layers) {
    return bad(fmt::format("model config lists {} attention windows for {} layers", attn_window.size(), n_layers));
  }
  if (n_experts > 0) {
    if (experts_per_token == 0 || experts_per_token > n_experts || moe_ffn_size == 0) {
      return bad(fmt::format("mixture of experts: {} of {} experts per token, expert width {} (need 1 <= k <= "
                             "experts and a width > 0)", experts_per_token, n_experts, moe_ffn_size));
    }
    if (n_dense_layers > n_layers) return bad(fmt::format("{} dense layers of {}", n_dense_layers, n_layers));
  }
  for (std::uint32_t l = 0; l < n_layers; ++l) {
    if (window(l) != 0 && layer_kinds[l] != LayerKind::kAttention) {
      return bad(fmt::format("layer {} has a sliding window but is not an attention layer", l));
    }
    if (layer_kinds[l] == LayerKind::kConv) {
      if (!lfm2_family) return bad(fmt::format("layer {} is a conv layer, but {} has none", l, to_string(arch)));
      if (kv_heads[l] != 0) return bad(fmt::format("conv layer {} has {} kv heads (must be 0)", l, kv_heads[l]));
    } else if (kv_heads[l] == 0 || n_heads % kv_heads[l] != 0) {
      return bad(fmt::format("attention layer {}: {} kv heads do not divide {} query heads", l,
                             kv_heads[l], n_heads));
    }
  }
  if (lfm2_family && conv_l_cache < 2) {
    return bad(fmt::format("LFM2 conv L_cache is {} (must be >= 2; LFM2 uses 3)", conv_l_cache));
  }
  if (!(norm_eps > 0.0f) || !(rope_theta > 0.0) || !std::isfinite(rope_theta)) {
    return bad(fmt::format("norm eps {} and rope theta {} must be positive", norm_eps, rope_theta));
  }
  if (!(rope_freq_scale > 0.0) || !std::isfinite(rope_freq_scale)) {
    return bad(fmt::format("RoPE frequency scale {} must be positive (linear rope scaling factor 1/{})",
                           rope_freq_scale, rope_freq_scale));
  }
  if (!rope_freq_factors.empty()) {
    if (rope_freq_factors.size() != head_dim / 2) {
      return bad(fmt::format("RoPE frequency factors (rope_freqs.weight) have {} entries; head_dim {} needs {}",
                             rope_freq_factors.size(), head_dim, head_dim / 2));
    }
    for (float f : rope_freq_factors) {
      if (!(f > 0.0f) || !std::isfinite(f)) return bad(fmt::format("RoPE frequency factor {} must be positive", f));
    }
  }
  for (std::int64_t id : end_of_turn_ids) {
    if (id < 0 || id >= static_cast<std::int64_t>(vocab_size)) {
      return bad(fmt::format("end-of-turn token {} is outside the vocabulary of {}", id, vocab_size));
    }
  }
  if (bos_token_id >= static_cast<std::int64_t>(vocab_size) ||
      eos_token_id >= static_cast<std::int64_t>(vocab_size)) {
    return bad(fmt::format("bos {} / eos {} outside the vocabulary of {}", bos_token_id, eos_token_id, vocab_size));
  }
  return {};
}

std::vector<std::int64_t> ModelConfig::end_of_turn_tokens() const {
  std::vector<std::int64_t> ids;
  if (eos_token_id >= 0) ids.push_back(eos_token_id);
  for (std::int64_t id : end_of_turn_ids) {
    if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

std::string ModelConfig::summary() const {
  const std::uint32_t attn = attention_layer_count();
  std::uint32_t max_kv = 0;
  for (std::uint32_t k : kv_heads) max_kv = std::max(max_kv, k);
  std::uint32_t local = 0;
  for (std::uint32_t w : attn_window) local += w != 0 ? 1 : 0;
  std::string extra;
  if (local > 0) extra += fmt::format(" ({} local, window {})", local, *std::max_element(attn_window.begin(), attn_window.end()));
  std::string ffn = fmt::format("ffn {}", ffn_size);
  if (n_experts > 0) {
    ffn = fmt::format("ffn {} ({} dense layers), {} experts x {} ({} per token)", ffn_size, n_dense_layers, n_experts,
                      moe_ffn_size, experts_per_token);
  }
  return fmt::format("{} hidden {}, {} layers ({} conv, {} attention{}), heads {}/{} x {}, {}, vocab {}, {}",
                     to_string(arch), hidden_size, n_layers, n_layers - attn, attn, extra, n_heads, max_kv,
                     head_dim, ffn, vocab_size, tied_embeddings ? "tied head" : "untied head");
}

}  // namespace npu::compiler
