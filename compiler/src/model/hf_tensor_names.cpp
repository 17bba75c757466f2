// Hugging Face -> GGUF tensor names for LFM2 (and LFM2-MoE), Llama and Qwen2 (the names llama.cpp's
// converter uses); LFM2-MoE's per-expert tensors map to the stacked GGUF tensor they belong to.
#include <array>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "npu/compiler/model_weight_sources.hpp"

namespace npu::compiler {
namespace {

using Pair = std::pair<std::string_view, std::string_view>;

constexpr std::array kLfm2Global{
    Pair{"model.embed_tokens.weight", "token_embd.weight"},
    Pair{"model.embedding_norm.weight", "token_embd_norm.weight"},
    Pair{"model.norm.weight", "token_embd_norm.weight"},
    Pair{"lm_head.weight", "output.weight"},
};
constexpr std::array kLfm2Layer{
    Pair{"operator_norm.weight", "attn_norm.weight"},
    Pair{"ffn_norm.weight", "ffn_norm.weight"},
    Pair{"conv.in_proj.weight", "shortconv.in_proj.weight"},
    Pair{"conv.conv.weight", "shortconv.conv.weight"},
    Pair{"conv.out_proj.weight", "shortconv.out_proj.weight"},
    Pair{"self_attn.q_proj.weight", "attn_q.weight"},
    Pair{"self_attn.k_proj.weight", "attn_k.weight"},
    Pair{"self_attn.v_proj.weight", "attn_v.weight"},
    Pair{"self_attn.out_proj.weight", "attn_output.weight"},
    Pair{"self_attn.q_layernorm.weight", "attn_q_norm.weight"},
    Pair{"self_attn.k_layernorm.weight", "attn_k_norm.weight"},
    Pair{"feed_forward.w1.weight", "ffn_gate.weight"},
    Pair{"feed_forward.w3.weight", "ffn_up.weight"},
    Pair{"feed_forward.w2.weight", "ffn_down.weight"},
    Pair{"feed_forward.gate.weight", "ffn_gate_inp.weight"},  // LFM2-MoE: the router
    Pair{"feed_forward.expert_bias", "exp_probs_b.bias"},     // and its choice bias
};
constexpr std::array kLlamaGlobal{
    Pair{"model.embed_tokens.weight", "token_embd.weight"},
    Pair{"model.norm.weight", "output_norm.weight"},
    Pair{"lm_head.weight", "output.weight"},
};
constexpr std::array kLlamaLayer{
    Pair{"input_layernorm.weight", "attn_norm.weight"},
    Pair{"post_attention_layernorm.weight", "ffn_norm.weight"},
    Pair{"self_attn.q_proj.weight", "attn_q.weight"},
    Pair{"self_attn.k_proj.weight", "attn_k.weight"},
    Pair{"self_attn.v_proj.weight", "attn_v.weight"},
    Pair{"self_attn.q_proj.bias", "attn_q.bias"},
    Pair{"self_attn.k_proj.bias", "attn_k.bias"},
    Pair{"self_attn.v_proj.bias", "attn_v.bias"},
    Pair{"self_attn.o_proj.weight", "attn_output.weight"},
    Pair{"self_attn.q_norm.weight", "attn_q_norm.weight"},  // Qwen3
    Pair{"self_attn.k_norm.weight", "attn_k_norm.weight"},
    Pair{"mlp.gate_proj.weight", "ffn_gate.weight"},
    Pair{"mlp.up_proj.weight", "ffn_up.weight"},
    Pair{"mlp.down_proj.weight", "ffn_down.weight"},
};

template <std::size_t N>
std::optional<std::string_view> lookup(const std::array<Pair, N>& table, std::string_view key) {
  for (const auto& [from, to] : table) {
    if (from == key) return to;
  }
  return std::nullopt;
}

// "model.layers.L." -> L and the rest of the name.
std::optional<std::pair<unsigned, std::string_view>> split_layer(std::string_view hf) {
  constexpr std::string_view kLayers = "model.layers.";
  if (!hf.starts_with(kLayers)) return std::nullopt;
  hf.remove_prefix(kLayers.size());
  unsigned layer = 0;
  auto [end, ec] = std::from_chars(hf.data(), hf.data() + hf.size(), layer);
  if (ec != std::errc() || end == hf.data() + hf.size() || *end != '.') return std::nullopt;
  return std::pair{layer, std::string_view(end + 1, static_cast<std::size_t>(hf.data() + hf.size() - end - 1))};
}

}  // namespace

std::optional<HfExpertTensor> hf_expert_tensor(Architecture arch, std::string_view hf) {
  if (arch != Architecture::kLfm2Moe) return std::nullopt;
  const auto split = split_layer(hf);
  constexpr std::string_view kExperts = "feed_forward.experts.";
  if (!split || !split->second.starts_with(kExperts)) return std::nullopt;
  std::string_view rest = split->second.substr(kExperts.size());
  unsigned expert = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), expert);
  if (ec != std::errc() || end == rest.data() + rest.size() || *end != '.') return std::nullopt;
  const std::string_view what(end + 1, static_cast<std::size_t>(rest.data() + rest.size() - end - 1));
  const char* stacked = what == "w1.weight" ? "ffn_gate_exps.weight"
                        : what == "w3.weight" ? "ffn_up_exps.weight"
                        : what == "w2.weight" ? "ffn_down_exps.weight"
                                              : nullptr;
  if (stacked == nullptr) return std::nullopt;
  return HfExpertTensor{fmt::format("blk.{}.{}", split->first, stacked), expert};
}

std::optional<std::string> hf_to_gguf_name(Architecture arch, std::string_view hf) {
  const bool lfm2 = arch == Architecture::kLfm2 || arch == Architecture::kLfm2Moe;
  if (!hf.starts_with("model.layers.")) {
    auto g = lfm2 ? lookup(kLfm2Global, hf) : lookup(kLlamaGlobal, hf);
    return g ? std::optional<std::string>(std::string(*g)) : std::nullopt;
  }
  const auto split = split_layer(hf);
  if (!split) return std::nullopt;
  auto l = lfm2 ? lookup(kLfm2Layer, split->second) : lookup(kLlamaLayer, split->second);
  if (!l) return std::nullopt;
  return fmt::format("blk.{}.{}", split->first, *l);
}

}  // namespace npu::compiler
