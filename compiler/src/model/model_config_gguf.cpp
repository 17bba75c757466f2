// ModelConfig from GGUF metadata: the "<arch>.*" keys llama.cpp writes and reads.
#include <fmt/format.h>

#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/model_config.hpp"

namespace npu::compiler {
namespace {

class Keys {
 public:
  Keys(const GgufFile& file, std::string_view arch) : file_(file), arch_(arch) {}

  Expected<std::uint32_t> u32(std::string_view suffix) const {
    NPU_TRY_ASSIGN(const GgufValue* v, file_.get(key(suffix)));
    NPU_TRY_ASSIGN(std::uint64_t n, with_key(v->as_u64(), suffix));
    if (n > UINT32_MAX) return fail(ErrorCode::kBadFormat, fmt::format("'{}' = {} is too large", key(suffix), n));
    return static_cast<std::uint32_t>(n);
  }
  Expected<std::uint32_t> u32_or(std::string_view suffix, std::uint32_t fallback) const {
    if (file_.find(key(suffix)) == nullptr) return fallback;
    return u32(suffix);
  }
  Expected<double> f64_or(std::string_view suffix, double fallback) const {
    const GgufValue* v = file_.find(key(suffix));
    if (v == nullptr) return fallback;
    return with_key(v->as_f64(), suffix);
  }
  const GgufValue* find(std::string_view suffix) const { return file_.find(key(suffix)); }
  std::string key(std::string_view suffix) const { return fmt::format("{}.{}", arch_, suffix); }

  template <class T>
  Expected<T> with_key(Expected<T> r, std::string_view suffix) const {
    if (!r) return fail(r.error().with_context(fmt::format("metadata '{}'", key(suffix))));
    return r;
  }

 private:
  const GgufFile& file_;
  std::string_view arch_;
};

std::int64_t token_id(const GgufFile& file, std::string_view key) {
  const GgufValue* v = file.find(key);
  if (v == nullptr) return -1;
  auto id = v->as_i64();
  return id ? *id : -1;
}

// The ids of a token key: one integer, or an array of them.
std::vector<std::int64_t> token_ids(const GgufFile& file, std::string_view key) {
  std::vector<std::int64_t> ids;
  const GgufValue* v = file.find(key);
  if (v == nullptr) return ids;
  if (const GgufArray* list = v->get_if<GgufArray>()) {
    for (const GgufValue& item : list->items) {
      if (auto id = item.as_i64()) ids.push_back(*id);
    }
  } else if (auto id = v->as_i64()) {
    ids.push_back(*id);
  }
  return ids;
}

// RoPE scaling as llama.cpp reads it: `<arch>.rope.scaling.type` ("linear" when absent, "none"
// turns scaling off) with `<arch>.rope.scaling.factor` (or the older `rope.scale_linear`), and
// Llama 3's per-pair factors in the tensor `rope_freqs.weight`.
Expected<void> gguf_rope_scaling(const GgufFile& file, const Keys& keys, ModelConfig& c) {
  std::string type = "linear";
  if (const GgufValue* v = keys.find("rope.scaling.type")) {
    NPU_TRY_ASSIGN(std::string_view t, keys.with_key(v->as_string(), "rope.scaling.type"));
    type = std::string(t);
  }
  if (type != "none" && type != "linear") {
    return fail(ErrorCode::kUnsupported,
                fmt::format("GGUF '{}': '{}' = \"{}\" is not supported (supported: none, linear, and Llama 3's "
                            "rope_freqs.weight)", file.source(), keys.key("rope.scaling.type"), type));
  }
  NPU_TRY_ASSIGN(double factor, keys.f64_or("rope.scaling.factor", 0.0));
  if (factor == 0.0) {
    NPU_TRY_ASSIGN(factor, keys.f64_or("rope.scale_linear", 0.0));
  }
  if (type == "linear" && factor != 0.0) {
    if (!(factor > 0.0)) {
      return fail(ErrorCode::kBadFormat, fmt::format("GGUF '{}': rope scaling factor {} must be positive",
                                                     file.source(), factor));
    }
    c.rope_freq_scale = 1.0 / factor;
  }
  // llama.cpp applies rope_freqs.weight to Llama-architecture models.
  if (const GgufTensorInfo* t = file.find_tensor("rope_freqs.weight"); t != nullptr && c.arch == Architecture::kLlama) {
    if (t->shape.size() != 1 || t->shape[0] != c.head_dim / 2) {
      return fail(ErrorCode::kBadFormat, fmt::format("GGUF '{}': rope_freqs.weight has {} dimensions of which the first is "
                                                     "{}; head_dim {} needs one of {}", file.source(), t->shape.size(),
                                                     t->shape.empty() ? 0 : t->shape[0], c.head_dim, c.head_dim / 2));
    }
    NPU_TRY_ASSIGN(c.rope_freq_factors, file.dequantize("rope_freqs.weight"));
  }
  return {};
}

// LFM2-MoE's routed experts, as llama.cpp reads them: expert_count experts of
// expert_feed_forward_length from layer leading_dense_block_count on, expert_used_count per token,
// scored by expert_gating_func (1 softmax over all experts, 2 sigmoid; llama.cpp's lfm2moe graph
// passes the key on to its router, and the oracle tests hold both), chosen with the exp_probs_b
// bias; the k weights are always normalized (llama.cpp's LFM2 graph) and not scaled.
Expected<void> gguf_experts(const GgufFile& file, const Keys& keys, ModelConfig& c) {
  NPU_TRY_ASSIGN(c.n_experts, keys.u32("expert_count"));
  NPU_TRY_ASSIGN(c.experts_per_token, keys.u32("expert_used_count"));
  NPU_TRY_ASSIGN(c.moe_ffn_size, keys.u32("expert_feed_forward_length"));
  NPU_TRY_ASSIGN(c.n_dense_layers, keys.u32_or("leading_dense_block_count", 0));
  NPU_TRY_ASSIGN(const std::uint32_t gating, keys.u32("expert_gating_func"));
  if (gating != 1 && gating != 2) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("GGUF '{}': '{}' = {} is not supported: npustack computes llama.cpp's routers 1 (softmax "
                            "over all experts) and 2 (sigmoid); 3 (softmax of the picked experts' logits) and 4 "
                            "(sqrt-softplus) would give other weights than llama.cpp, so the model is refused",
                            file.source(), keys.key("expert_gating_func"), gating));
  }
  c.router_sigmoid = gating == 2;
  c.router_bias = c.n_dense_layers < c.n_layers &&
                  file.find_tensor(fmt::format("blk.{}.exp_probs_b.bias", c.n_dense_layers)) != nullptr;
  c.norm_topk = true;
  c.routed_scale = 1.0;
  return {};
}

}  // namespace

Expected<ModelConfig> model_config_from_gguf(const GgufFile& file) {
  NPU_TRY_ASSIGN(const GgufValue* arch_value, file.get("general.architecture"));
  NPU_TRY_ASSIGN(std::string_view arch_name, arch_value->as_string());
  NPU_TRY_ASSIGN(Architecture arch, parse_architecture(arch_name));
  if (arch == Architecture::kGemma3) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("GGUF '{}': {} models are supported from their config.json, for timing only (`npu predict`, "
                            "`npu compile --synthetic CONFIG.json --timing-only`); their weights cannot be compiled yet",
                            file.source(), arch_name));
  }
  Keys keys(file, arch_name);

  ModelConfig c;
  c.arch = arch;
  NPU_TRY_ASSIGN(c.hidden_size, keys.u32("embedding_length"));
  NPU_TRY_ASSIGN(c.n_layers, keys.u32("block_count"));
  NPU_TRY(check_layer_count(c.n_layers, keys.key("block_count")));
  NPU_TRY_ASSIGN(c.n_heads, keys.u32("attention.head_count"));
  NPU_TRY_ASSIGN(c.ffn_size, keys.u32("feed_forward_length"));
  NPU_TRY_ASSIGN(c.context_length, keys.u32_or("context_length", 2048));
  const std::uint32_t default_head_dim = c.n_heads ? c.hidden_size / c.n_heads : 0;
  NPU_TRY_ASSIGN(c.head_dim, keys.u32_or("attention.key_length", default_head_dim));
  NPU_TRY_ASSIGN(c.rope_theta, keys.f64_or("rope.freq_base", 10000.0));
  NPU_TRY_ASSIGN(double eps, keys.f64_or("attention.layer_norm_rms_epsilon", -1.0));
  if (eps <= 0.0) {
    return fail(ErrorCode::kBadFormat, fmt::format("GGUF '{}' lacks a positive '{}'", file.source(),
                                                   keys.key("attention.layer_norm_rms_epsilon")));
  }
  c.norm_eps = static_cast<float>(eps);

  // Vocabulary: the explicit key, else the token list, else the embedding's row count.
  std::uint32_t vocab = 0;
  if (keys.find("vocab_size") != nullptr) {
    NPU_TRY_ASSIGN(vocab, keys.u32("vocab_size"));
  } else if (const GgufValue* tokens = file.find("tokenizer.ggml.tokens")) {
    NPU_TRY_ASSIGN(const GgufArray* list, tokens->as_array());
    vocab = static_cast<std::uint32_t>(list->items.size());
  } else if (const GgufTensorInfo* embd = file.find_tensor("token_embd.weight");
             embd != nullptr && embd->shape.size() == 2) {
    vocab = static_cast<std::uint32_t>(embd->shape[1]);
  }
  c.vocab_size = vocab;

  // Per-layer kv heads: a scalar (every layer attention) or an array with 0 for conv layers.
  const GgufValue* kv = keys.find("attention.head_count_kv");
  if (kv == nullptr) {
    c.kv_heads.assign(c.n_layers, c.n_heads);
  } else if (const GgufArray* list = kv->get_if<GgufArray>()) {
    if (list->items.size() != c.n_layers) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("'{}' has {} entries for {} layers", keys.key("attention.head_count_kv"),
                              list->items.size(), c.n_layers));
    }
    for (const GgufValue& item : list->items) {
      NPU_TRY_ASSIGN(std::uint64_t n, keys.with_key(item.as_u64(), "attention.head_count_kv"));
      c.kv_heads.push_back(static_cast<std::uint32_t>(n));
    }
  } else {
    NPU_TRY_ASSIGN(std::uint32_t n, keys.u32("attention.head_count_kv"));
    c.kv_heads.assign(c.n_layers, n);
  }
  for (std::uint32_t n : c.kv_heads) c.layer_kinds.push_back(n == 0 ? LayerKind::kConv : LayerKind::kAttention);

  c.tied_embeddings = file.find_tensor("output.weight") == nullptr;
  c.bos_token_id = token_id(file, "tokenizer.ggml.bos_token_id");
  // End of turn as llama.cpp's vocabulary sees it: EOS (one id or several), EOT, EOM.
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    for (std::int64_t id : token_ids(file, key)) c.end_of_turn_ids.push_back(id);
  }
  const std::vector<std::int64_t> eos = token_ids(file, "tokenizer.ggml.eos_token_id");
  c.eos_token_id = eos.empty() ? -1 : eos.front();
  c.pad_token_id = token_id(file, "tokenizer.ggml.padding_token_id");
  switch (arch) {
    case Architecture::kLfm2:
    case Architecture::kLfm2Moe: {
      NPU_TRY_ASSIGN(c.conv_l_cache, keys.u32("shortconv.l_cache"));
      c.qk_norm = true;
      c.rope_neox = true;
      if (arch == Architecture::kLfm2Moe) NPU_TRY(gguf_experts(file, keys, c));
      break;
    }
    case Architecture::kLlama:
      c.rope_neox = false;  // GGUF Llama q/k rows are permuted to interleaved pairs
      break;
    case Architecture::kQwen3:  // per-head q/k RMSNorm, no biases
      c.rope_neox = true;
      c.qk_norm = true;
      break;
    case Architecture::kQwen2:
      c.rope_neox = true;
      c.qkv_bias = file.find_tensor("blk.0.attn_q.bias") != nullptr;
      break;
    case Architecture::kGemma3: break;  // refused above
  }
  NPU_TRY(gguf_rope_scaling(file, keys, c));
  auto valid = c.validate();
  if (!valid) return fail(valid.error().with_context(fmt::format("GGUF '{}'", file.source())));
  return c;
}

}  // namespace npu::compiler
