// The tensor inventory of each architecture, in GGUF names and ggml shapes.
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "npu/compiler/model_weights.hpp"

namespace npu::compiler {

std::string format_shape(const TensorShape& shape) { return fmt::format("{{{}}}", fmt::join(shape, ", ")); }

std::string_view final_norm_name(const ModelConfig& c) noexcept {
  // LFM2 names its final norm token_embd_norm (llama.cpp's choice); the others output_norm.
  return c.arch == Architecture::kLfm2 || c.arch == Architecture::kLfm2Moe ? "token_embd_norm.weight" : "output_norm.weight";
}

std::vector<TensorSpec> expected_tensors(const ModelConfig& c) {
  const std::uint64_t h = c.hidden_size, v = c.vocab_size, ff = c.ffn_size, hd = c.head_dim;
  std::vector<TensorSpec> out;
  auto add = [&](std::string name, TensorShape shape) { out.push_back({std::move(name), std::move(shape)}); };
  add("token_embd.weight", {h, v});
  add(std::string(final_norm_name(c)), {h});
  if (!c.tied_embeddings) add("output.weight", {h, v});
  for (std::uint32_t l = 0; l < c.n_layers; ++l) {
    auto n = [l](std::string_view what) { return fmt::format("blk.{}.{}", l, what); };
    add(n("attn_norm.weight"), {h});
    add(n("ffn_norm.weight"), {h});
    if (c.sandwich_norms) {
      add(n("post_attention_norm.weight"), {h});
      add(n("post_ffw_norm.weight"), {h});
    }
    if (c.is_moe(l)) {  // the router (and its choice bias), then every expert's gate, up and down
      const std::uint64_t e = c.n_experts, m = c.moe_ffn_size;
      add(n("ffn_gate_inp.weight"), {h, e});
      if (c.router_bias) add(n("exp_probs_b.bias"), {e});
      add(n("ffn_gate_exps.weight"), {h, m, e});
      add(n("ffn_up_exps.weight"), {h, m, e});
      add(n("ffn_down_exps.weight"), {m, h, e});
    } else {
      add(n("ffn_gate.weight"), {h, ff});
      add(n("ffn_up.weight"), {h, ff});
      add(n("ffn_down.weight"), {ff, h});
    }
    if (c.layer_kinds[l] == LayerKind::kConv) {
      add(n("shortconv.in_proj.weight"), {h, 3 * h});
      add(n("shortconv.conv.weight"), {c.conv_l_cache, h});
      add(n("shortconv.out_proj.weight"), {h, h});
      continue;
    }
    const std::uint64_t q = c.n_heads * hd, kv = c.kv_heads[l] * hd;
    add(n("attn_q.weight"), {h, q});
    add(n("attn_k.weight"), {h, kv});
    add(n("attn_v.weight"), {h, kv});
    add(n("attn_output.weight"), {q, h});
    if (c.qk_norm) {
      add(n("attn_q_norm.weight"), {hd});
      add(n("attn_k_norm.weight"), {hd});
    }
    if (c.qkv_bias) {
      add(n("attn_q.bias"), {q});
      add(n("attn_k.bias"), {kv});
      add(n("attn_v.bias"), {kv});
    }
  }
  return out;
}

Expected<void> check_weights(const ModelConfig& config, const WeightSource& weights) {
  std::vector<std::string> problems;
  for (const TensorSpec& spec : expected_tensors(config)) {
    auto shape = weights.shape(spec.name);
    if (!shape) {
      problems.push_back(fmt::format("missing {}", spec.name));
    } else if (*shape != spec.shape) {
      problems.push_back(fmt::format("{} has shape {}, expected {}", spec.name, format_shape(*shape),
                                     format_shape(spec.shape)));
    }
  }
  if (problems.empty()) return {};
  const std::size_t shown = std::min<std::size_t>(problems.size(), 8);
  return fail(ErrorCode::kBadFormat,
              fmt::format("{} does not fit the model ({}): {}{}", weights.describe(), config.summary(),
                          fmt::join(problems.begin(), problems.begin() + static_cast<std::ptrdiff_t>(shown), "; "),
                          problems.size() > shown ? fmt::format("; and {} more", problems.size() - shown) : ""));
}

Expected<std::vector<float>> load_checked(const WeightSource& weights, std::string_view name,
                                          const TensorShape& shape) {
  auto actual = weights.shape(name);
  if (!actual) return fail(ErrorCode::kNotFound, fmt::format("{} has no tensor '{}'", weights.describe(), name));
  if (*actual != shape) {
    return fail(ErrorCode::kBadFormat, fmt::format("{}: tensor '{}' has shape {}, expected {}", weights.describe(),
                                                   name, format_shape(*actual), format_shape(shape)));
  }
  NPU_TRY_ASSIGN(std::vector<float> values, weights.load(name));
  for (float x : values) {
    if (!std::isfinite(x)) {
      return fail(ErrorCode::kBadFormat, fmt::format("{}: tensor '{}' contains inf or nan", weights.describe(), name));
    }
  }
  return values;
}

}  // namespace npu::compiler
