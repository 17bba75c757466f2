#include "npu/compiler/gguf_model_export.hpp"

#include <fmt/format.h>

#include "npu/compiler/gguf_writer.hpp"

namespace npu::compiler {
namespace {

// Kept F32 as llama.cpp's converter writes them and llama-quantize leaves them: norms, biases
// (LFM2-MoE's exp_probs_b too), LFM2's conv taps and the MoE router (ffn_gate_inp, never quantized).
bool stays_f32(std::string_view name) {
  return name.ends_with("norm.weight") || name.ends_with(".bias") || name.ends_with("shortconv.conv.weight") ||
         name.ends_with("ffn_gate_inp.weight");
}

// The type a matrix is stored in: its suffix rule or the default, then llama-quantize's fallback
// when the type's block does not divide the row length (shape[0]).
GgmlType matrix_type_for(const TensorSpec& spec, const GgufExportOptions& options) {
  GgmlType type = options.matrix_type;
  for (const auto& [suffix, t] : options.type_by_suffix) {
    if (spec.name.ends_with(suffix)) type = t;
  }
  auto fits = [&](GgmlType t) {
    const auto traits = ggml_type_traits(static_cast<std::uint32_t>(t));
    return traits && !spec.shape.empty() && spec.shape[0] % traits->block_size == 0;
  };
  if (fits(type)) return type;
  switch (type) {
    case GgmlType::kQ4_K: type = GgmlType::kQ5_0; break;
    case GgmlType::kQ5_K: type = GgmlType::kQ5_1; break;
    case GgmlType::kQ6_K: type = GgmlType::kQ8_0; break;
    default: break;
  }
  return fits(type) ? type : GgmlType::kF16;
}

void put_config(GgufWriter& w, const ModelConfig& c, const GgufExportOptions& options) {
  const std::string a(to_string(c.arch));
  auto key = [&](std::string_view suffix) { return fmt::format("{}.{}", a, suffix); };
  w.set("general.architecture", GgufValue(a));
  w.set("general.name", GgufValue(options.name));
  w.set(key("context_length"), GgufValue(c.context_length));
  w.set(key("embedding_length"), GgufValue(c.hidden_size));
  w.set(key("block_count"), GgufValue(c.n_layers));
  w.set(key("feed_forward_length"), GgufValue(c.ffn_size));
  w.set(key("vocab_size"), GgufValue(c.vocab_size));
  w.set(key("attention.head_count"), GgufValue(c.n_heads));
  if (c.head_dim * c.n_heads != c.hidden_size) {
    w.set(key("attention.key_length"), GgufValue(c.head_dim));
    w.set(key("attention.value_length"), GgufValue(c.head_dim));
  }
  if (c.arch == Architecture::kLfm2 || c.arch == Architecture::kLfm2Moe) {
    // Per-layer array, 0 for conv layers: how llama.cpp tells LFM2's layer kinds apart.
    std::vector<std::int32_t> kv(c.kv_heads.begin(), c.kv_heads.end());
    w.set(key("attention.head_count_kv"), GgufValue::array_of(GgufValueType::kI32, kv));
    w.set(key("shortconv.l_cache"), GgufValue(c.conv_l_cache));
  } else {
    w.set(key("attention.head_count_kv"), GgufValue(c.kv_heads.empty() ? c.n_heads : c.kv_heads[0]));
  }
  if (c.n_experts > 0) {  // the routed experts (llama.cpp's lfm2moe keys)
    w.set(key("expert_count"), GgufValue(c.n_experts));
    w.set(key("expert_used_count"), GgufValue(c.experts_per_token));
    w.set(key("expert_feed_forward_length"), GgufValue(c.moe_ffn_size));
    w.set(key("leading_dense_block_count"), GgufValue(c.n_dense_layers));
    w.set(key("expert_gating_func"), GgufValue(std::uint32_t{c.router_sigmoid ? 2u : 1u}));
  }
  w.set(key("attention.layer_norm_rms_epsilon"), GgufValue(c.norm_eps));
  w.set(key("rope.freq_base"), GgufValue(static_cast<float>(c.rope_theta)));
  w.set(key("rope.dimension_count"), GgufValue(c.head_dim));
  if (c.rope_freq_scale != 1.0) {  // linear scaling (Llama 3's per-pair factors are a tensor)
    w.set(key("rope.scaling.type"), GgufValue(std::string("linear")));
    w.set(key("rope.scaling.factor"), GgufValue(static_cast<float>(1.0 / c.rope_freq_scale)));
  }
}

void put_tokenizer(GgufWriter& w, const ModelConfig& c, const GgufTokenizer& t) {
  w.set("tokenizer.ggml.model", GgufValue(t.model));
  w.set("tokenizer.ggml.pre", GgufValue(t.pre));
  w.set("tokenizer.ggml.tokens", GgufValue::array_of(GgufValueType::kString, t.tokens));
  w.set("tokenizer.ggml.token_type", GgufValue::array_of(GgufValueType::kI32, t.token_types));
  w.set("tokenizer.ggml.merges", GgufValue::array_of(GgufValueType::kString, t.merges));
  if (c.bos_token_id >= 0) w.set("tokenizer.ggml.bos_token_id", GgufValue(static_cast<std::uint32_t>(c.bos_token_id)));
  // End of turn: EOS, then up to two more ids as EOT and EOM (the keys llama.cpp reads).
  const std::vector<std::int64_t> ends = c.end_of_turn_tokens();
  const char* end_keys[] = {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"};
  for (std::size_t i = 0; i < ends.size() && i < std::size(end_keys); ++i) {
    w.set(end_keys[i], GgufValue(static_cast<std::uint32_t>(ends[i])));
  }
  if (c.pad_token_id >= 0) w.set("tokenizer.ggml.padding_token_id", GgufValue(static_cast<std::uint32_t>(c.pad_token_id)));
  w.set("tokenizer.ggml.add_bos_token", GgufValue(t.add_bos));
  if (!t.chat_template.empty()) w.set("tokenizer.chat_template", GgufValue(t.chat_template));
}

}  // namespace

Expected<void> write_model_gguf(const std::filesystem::path& path, const ModelConfig& config,
                                const WeightSource& weights, const GgufExportOptions& options) {
  NPU_TRY(config.validate());
  NPU_TRY(check_weights(config, weights));
  if (config.n_experts > 0 && (!config.norm_topk || config.routed_scale != 1.0 || !config.router_bias)) {
    return fail(ErrorCode::kUnsupported,
                "GGUF (llama.cpp's lfm2moe) holds routed experts with a choice bias, normalized weights and no "
                "routed scaling only; this model differs (use_expert_bias, norm_topk_prob, routed_scaling_factor)");
  }
  if (options.tokenizer && options.tokenizer->tokens.size() != config.vocab_size) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("tokenizer has {} tokens for a vocabulary of {}", options.tokenizer->tokens.size(),
                            config.vocab_size));
  }
  NPU_TRY_ASSIGN(GgufWriter writer, GgufWriter::create(options.alignment));
  put_config(writer, config, options);
  if (options.tokenizer) put_tokenizer(writer, config, *options.tokenizer);
  for (const TensorSpec& spec : expected_tensors(config)) {
    const GgmlType type = stays_f32(spec.name) ? GgmlType::kF32 : matrix_type_for(spec, options);
    const WeightSource* source = &weights;
    const std::string name = spec.name;
    const TensorShape shape = spec.shape;
    NPU_TRY(writer.add_tensor_lazy(spec.name, spec.shape, type,
                                   [source, name, shape] { return load_checked(*source, name, shape); }));
  }
  if (!config.rope_freq_factors.empty()) {
    NPU_TRY(writer.add_tensor("rope_freqs.weight", {config.rope_freq_factors.size()}, GgmlType::kF32,
                              config.rope_freq_factors));
  }
  return writer.write(path);
}

}  // namespace npu::compiler
