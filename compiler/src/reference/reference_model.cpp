#include "npu/compiler/reference_model.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "npu/compiler/reference_math.hpp"
#include "npu/compiler/rope_scaling.hpp"
#include "npu_abi/moe.hpp"

namespace npu::compiler {

using reference::matvec;
using reference::rms_norm;

namespace {

struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm, gate, up, down;  // MoE layers: every expert's, [E][out][in]
  std::vector<float> router, expert_bias;                  // MoE layers
  std::vector<float> in_proj, conv, out_proj;                   // conv layers
  std::vector<float> wq, wk, wv, wo, q_norm, k_norm, bq, bk, bv;  // attention layers
};

struct LayerState {
  std::vector<float> conv;      // (L_cache - 1) gated B*x vectors, oldest first
  std::vector<float> k_cache;   // positions x (kv_heads * head_dim), appended per token
  std::vector<float> v_cache;
};

}  // namespace

struct ReferenceModel::Impl {
  ModelConfig c;
  std::uint32_t max_context = 0;
  std::vector<double> rope_freqs;  // radians per position of each RoPE pair
  std::vector<float> embd, final_norm, output;  // output empty when tied
  std::vector<LayerWeights> layers;
  std::vector<LayerState> state;
  std::uint32_t pos = 0;
  // Scratch.
  std::vector<float> x, h, tmp, q, k, v, attn, ffn_a, ffn_b, logits;
  std::vector<double> scores;

  void reset() {
    pos = 0;
    for (std::size_t l = 0; l < state.size(); ++l) {
      state[l].conv.assign(c.layer_kinds[l] == LayerKind::kConv ? (c.conv_l_cache - 1) * c.hidden_size : 0, 0.0f);
      state[l].k_cache.clear();
      state[l].v_cache.clear();
    }
  }

  void conv_block(std::uint32_t l) {
    const LayerWeights& w = layers[l];
    const std::size_t H = c.hidden_size, L = c.conv_l_cache;
    std::vector<float>& bcx = tmp;  // rows: B, C, x
    bcx.resize(3 * H);
    matvec(w.in_proj, h, bcx);
    std::vector<float>& st = state[l].conv;
    for (std::size_t ch = 0; ch < H; ++ch) {
      const float bx = bcx[ch] * bcx[2 * H + ch];
      const float* taps = w.conv.data() + ch * L;
      double acc = static_cast<double>(taps[L - 1]) * bx;  // the last tap sees the current token
      for (std::size_t t = 0; t + 1 < L; ++t) acc += static_cast<double>(taps[t]) * st[t * H + ch];
      for (std::size_t t = 0; t + 2 < L; ++t) st[t * H + ch] = st[(t + 1) * H + ch];
      st[(L - 2) * H + ch] = bx;
      attn[ch] = bcx[H + ch] * static_cast<float>(acc);  // C * conv(B*x)
    }
    matvec(w.out_proj, std::span<const float>(attn.data(), H), h);
  }

  void attention_block(std::uint32_t l) {
    const LayerWeights& w = layers[l];
    const std::size_t hd = c.head_dim, nh = c.n_heads, nkv = c.kv_heads[l];
    const std::size_t group = nh / nkv;
    q.resize(nh * hd);
    k.resize(nkv * hd);
    v.resize(nkv * hd);
    matvec(w.wq, h, q);
    matvec(w.wk, h, k);
    matvec(w.wv, h, v);
    if (c.qkv_bias) {
      for (std::size_t i = 0; i < q.size(); ++i) q[i] += w.bq[i];
      for (std::size_t i = 0; i < k.size(); ++i) k[i] += w.bk[i];
      for (std::size_t i = 0; i < v.size(); ++i) v[i] += w.bv[i];
    }
    for (std::size_t head = 0; head < nh; ++head) {
      std::span<float> qh(q.data() + head * hd, hd);
      if (c.qk_norm) rms_norm(qh, w.q_norm, c.norm_eps, qh);
      reference::rope(qh, pos, rope_freqs, c.rope_neox);
    }
    for (std::size_t head = 0; head < nkv; ++head) {
      std::span<float> kh(k.data() + head * hd, hd);
      if (c.qk_norm) rms_norm(kh, w.k_norm, c.norm_eps, kh);
      reference::rope(kh, pos, rope_freqs, c.rope_neox);
    }
    LayerState& s = state[l];
    s.k_cache.insert(s.k_cache.end(), k.begin(), k.end());
    s.v_cache.insert(s.v_cache.end(), v.begin(), v.end());
    const std::size_t n = pos + 1, stride = nkv * hd;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    scores.resize(n);
    for (std::size_t head = 0; head < nh; ++head) {
      const std::size_t g = head / group;  // KV head g serves query heads g*group .. g*group+group-1
      const float* qh = q.data() + head * hd;
      double max = -INFINITY;
      for (std::size_t t = 0; t < n; ++t) {
        const float* kt = s.k_cache.data() + t * stride + g * hd;
        double dot = 0;
        for (std::size_t i = 0; i < hd; ++i) dot += static_cast<double>(qh[i]) * kt[i];
        scores[t] = dot * scale;
        max = std::max(max, scores[t]);
      }
      double sum = 0;
      for (double& sc : scores) sum += (sc = std::exp(sc - max));
      for (std::size_t i = 0; i < hd; ++i) {
        double acc = 0;
        for (std::size_t t = 0; t < n; ++t) acc += scores[t] * s.v_cache[t * stride + g * hd + i];
        attn[head * hd + i] = static_cast<float>(acc / sum);
      }
    }
    matvec(w.wo, std::span<const float>(attn.data(), nh * hd), h);
  }

  // LFM2-MoE: the router's picks (npu_abi/moe.hpp, the device's routing), each picked expert's
  // SwiGLU FFN, summed with the route weights (double accumulation).
  void moe_block(std::uint32_t l) {
    const LayerWeights& w = layers[l];
    const std::size_t H = c.hidden_size, M = c.moe_ffn_size, E = c.n_experts;
    std::vector<float> router_logits(E), expert_scores(E);
    matvec(w.router, h, router_logits);
    abi::MoeRouteParams p;
    p.experts = c.n_experts;
    p.k = c.experts_per_token;
    p.sigmoid = c.router_sigmoid;
    p.normalize = c.norm_topk;
    p.scale = static_cast<float>(c.routed_scale);
    std::vector<abi::MoeRouteEntry> picks(p.k);
    abi::moe_route_row(router_logits.data(), w.expert_bias.empty() ? nullptr : w.expert_bias.data(), p,
                       expert_scores.data(), picks.data());
    std::vector<double> sum(H, 0.0);
    const std::span<float> a(ffn_a.data(), M), b(ffn_b.data(), M);
    for (const abi::MoeRouteEntry& pick : picks) {
      const std::size_t e = static_cast<std::size_t>(pick.expert);
      matvec(std::span<const float>(w.gate).subspan(e * M * H, M * H), h, a);
      matvec(std::span<const float>(w.up).subspan(e * M * H, M * H), h, b);
      for (std::size_t i = 0; i < M; ++i) a[i] = reference::silu(a[i]) * b[i];
      matvec(std::span<const float>(w.down).subspan(e * H * M, H * M), a, tmp);
      for (std::size_t i = 0; i < H; ++i) sum[i] += static_cast<double>(pick.weight) * tmp[i];
    }
    for (std::size_t i = 0; i < H; ++i) x[i] += static_cast<float>(sum[i]);
  }

  void ffn_block(std::uint32_t l) {
    const LayerWeights& w = layers[l];
    rms_norm(x, w.ffn_norm, c.norm_eps, h);
    if (c.is_moe(l)) {
      tmp.resize(c.hidden_size);
      moe_block(l);
      return;
    }
    const std::span<float> a(ffn_a.data(), c.ffn_size), b(ffn_b.data(), c.ffn_size);
    matvec(w.gate, h, a);
    matvec(w.up, h, b);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = reference::silu(a[i]) * b[i];
    matvec(w.down, a, h);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += h[i];
  }

  Expected<std::span<const float>> step(std::int32_t token) {
    if (token < 0 || static_cast<std::uint32_t>(token) >= c.vocab_size) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("token {} is outside the vocabulary [0, {})", token, c.vocab_size));
    }
    if (pos >= max_context) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("context is full ({} positions); reset() or raise max_context", max_context));
    }
    const std::size_t H = c.hidden_size;
    std::copy_n(embd.begin() + static_cast<std::ptrdiff_t>(token * H), H, x.begin());
    for (std::uint32_t l = 0; l < c.n_layers; ++l) {
      rms_norm(x, layers[l].attn_norm, c.norm_eps, h);
      if (c.layer_kinds[l] == LayerKind::kConv) conv_block(l);
      else attention_block(l);
      for (std::size_t i = 0; i < H; ++i) x[i] += h[i];
      ffn_block(l);
    }
    rms_norm(x, final_norm, c.norm_eps, h);
    matvec(output.empty() ? embd : output, h, logits);
    ++pos;
    return std::span<const float>(logits);
  }
};

namespace {

Expected<void> load_layer(const ModelConfig& c, const WeightSource& src, std::uint32_t l,
                          const std::vector<TensorSpec>& specs, LayerWeights& w) {
  auto get = [&](std::string_view what, std::vector<float>& out) -> Expected<void> {
    const std::string name = fmt::format("blk.{}.{}", l, what);
    for (const TensorSpec& s : specs) {
      if (s.name == name) {
        NPU_TRY_ASSIGN(out, load_checked(src, name, s.shape));
        return {};
      }
    }
    return fail(ErrorCode::kInternal, fmt::format("no expected shape for '{}'", name));
  };
  NPU_TRY(get("attn_norm.weight", w.attn_norm));
  NPU_TRY(get("ffn_norm.weight", w.ffn_norm));
  if (c.is_moe(l)) {
    NPU_TRY(get("ffn_gate_inp.weight", w.router));
    if (c.router_bias) NPU_TRY(get("exp_probs_b.bias", w.expert_bias));
    NPU_TRY(get("ffn_gate_exps.weight", w.gate));
    NPU_TRY(get("ffn_up_exps.weight", w.up));
    NPU_TRY(get("ffn_down_exps.weight", w.down));
  } else {
    NPU_TRY(get("ffn_gate.weight", w.gate));
    NPU_TRY(get("ffn_up.weight", w.up));
    NPU_TRY(get("ffn_down.weight", w.down));
  }
  if (c.layer_kinds[l] == LayerKind::kConv) {
    NPU_TRY(get("shortconv.in_proj.weight", w.in_proj));
    NPU_TRY(get("shortconv.conv.weight", w.conv));
    NPU_TRY(get("shortconv.out_proj.weight", w.out_proj));
    return {};
  }
  NPU_TRY(get("attn_q.weight", w.wq));
  NPU_TRY(get("attn_k.weight", w.wk));
  NPU_TRY(get("attn_v.weight", w.wv));
  NPU_TRY(get("attn_output.weight", w.wo));
  if (c.qk_norm) {
    NPU_TRY(get("attn_q_norm.weight", w.q_norm));
    NPU_TRY(get("attn_k_norm.weight", w.k_norm));
  }
  if (c.qkv_bias) {
    NPU_TRY(get("attn_q.bias", w.bq));
    NPU_TRY(get("attn_k.bias", w.bk));
    NPU_TRY(get("attn_v.bias", w.bv));
  }
  return {};
}

}  // namespace

Expected<ReferenceModel> ReferenceModel::create(const ModelConfig& config, const WeightSource& weights,
                                                ReferenceOptions options) {
  NPU_TRY(config.validate());
  NPU_TRY(config.executes_with_values());  // no fp32 reference of Gemma 3 yet
  NPU_TRY(check_weights(config, weights));
  auto impl = std::make_unique<Impl>();
  impl->c = config;
  impl->rope_freqs = rope_frequencies(config);
  impl->max_context = options.max_context != 0 ? options.max_context
                      : config.context_length != 0 ? config.context_length : 4096;
  const std::vector<TensorSpec> specs = expected_tensors(config);
  const std::uint64_t H = config.hidden_size, V = config.vocab_size;
  NPU_TRY_ASSIGN(impl->embd, load_checked(weights, "token_embd.weight", {H, V}));
  const std::string final_norm(final_norm_name(config));
  NPU_TRY_ASSIGN(impl->final_norm, load_checked(weights, final_norm, {H}));
  if (!config.tied_embeddings) {
    NPU_TRY_ASSIGN(impl->output, load_checked(weights, "output.weight", {H, V}));
  }
  impl->layers.resize(config.n_layers);
  impl->state.resize(config.n_layers);
  for (std::uint32_t l = 0; l < config.n_layers; ++l) NPU_TRY(load_layer(config, weights, l, specs, impl->layers[l]));
  impl->x.resize(H);
  impl->h.resize(H);
  impl->attn.resize(std::max<std::size_t>(H, static_cast<std::size_t>(config.n_heads) * config.head_dim));
  const std::size_t ffn = std::max(config.ffn_size, config.moe_ffn_size);
  impl->ffn_a.resize(ffn);
  impl->ffn_b.resize(ffn);
  impl->logits.resize(V);
  impl->reset();
  return ReferenceModel(std::move(impl));
}

ReferenceModel::ReferenceModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReferenceModel::ReferenceModel(ReferenceModel&&) noexcept = default;
ReferenceModel& ReferenceModel::operator=(ReferenceModel&&) noexcept = default;
ReferenceModel::~ReferenceModel() = default;

Expected<std::span<const float>> ReferenceModel::forward(std::int32_t token) { return impl_->step(token); }

Expected<std::span<const float>> ReferenceModel::forward(std::span<const std::int32_t> tokens) {
  if (tokens.empty()) return fail(ErrorCode::kInvalidArgument, "forward() needs at least one token");
  std::span<const float> logits;
  for (std::int32_t t : tokens) {
    NPU_TRY_ASSIGN(logits, impl_->step(t));
  }
  return logits;
}

void ReferenceModel::reset() { impl_->reset(); }
std::uint32_t ReferenceModel::position() const noexcept { return impl_->pos; }
const ModelConfig& ReferenceModel::config() const noexcept { return impl_->c; }

std::int32_t argmax(std::span<const float> values) noexcept {
  std::int32_t best = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] > values[static_cast<std::size_t>(best)]) best = static_cast<std::int32_t>(i);
  }
  return best;
}

}  // namespace npu::compiler
