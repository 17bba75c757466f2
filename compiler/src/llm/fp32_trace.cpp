// The fp32 reference over the calibration tokens, layer-major: one layer's float weights are
// loaded at a time (so a 1.2B model calibrates in a few hundred MB), all tokens go through that
// layer, and max|x| is recorded at every point the quantized programs quantize. Same graph as
// ReferenceModel (reference_math.hpp), but the matrix products run over all tokens at once in
// float on every core (matmul_tokens): calibration needs ranges, not the reference's last bits.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "llm_internal.hpp"
#include "npu/compiler/reference_math.hpp"
#include "npu_abi/moe.hpp"
#include "npu/compiler/rope_scaling.hpp"

namespace npu::compiler::llm::detail {
namespace {

using reference::rms_norm;

// Records max|x| and the MSE-optimal clip of a quantize point; `x` holds all calibration tokens'
// values of that point.
struct Ranges {
  std::map<std::string, float>& amax;
  std::map<std::string, float>& clip;
};

void track(Ranges r, const std::string& name, std::span<const float> x) {
  float& m = r.amax[name];
  for (float v : x) m = std::max(m, std::fabs(v));
  r.clip[name] = mse_optimal_clip(x);
}

struct Loader {
  const ModelConfig& c;
  const WeightSource& src;
  std::vector<TensorSpec> specs = expected_tensors(c);
  Expected<std::vector<float>> operator()(const std::string& name) const {
    for (const TensorSpec& s : specs) {
      if (s.name == name) return load_checked(src, name, s.shape);
    }
    return fail(ErrorCode::kInternal, fmt::format("no expected shape for tensor '{}'", name));
  }
};

Expected<void> conv_layer(const ModelConfig& c, const Loader& load, std::uint32_t l, std::vector<float>& hs,
                          std::vector<float>& out, Ranges ranges, std::size_t T) {
  const std::size_t H = c.hidden_size, L = c.conv_l_cache;
  NPU_TRY_ASSIGN(auto in_proj, load(fmt::format("blk.{}.shortconv.in_proj.weight", l)));
  NPU_TRY_ASSIGN(auto conv, load(fmt::format("blk.{}.shortconv.conv.weight", l)));
  NPU_TRY_ASSIGN(auto out_proj, load(fmt::format("blk.{}.shortconv.out_proj.weight", l)));
  std::vector<float> bcx_all(T * 3 * H), state((L - 1) * H, 0.0f), mix_all(T * H);
  matmul_tokens(in_proj, 3 * H, H, hs, T, bcx_all);
  for (std::size_t t = 0; t < T; ++t) {
    const float* bcx = bcx_all.data() + t * 3 * H;
    float* mix = mix_all.data() + t * H;
    for (std::size_t ch = 0; ch < H; ++ch) {
      const float bx = bcx[ch] * bcx[2 * H + ch];
      const float* taps = conv.data() + ch * L;
      double acc = static_cast<double>(taps[L - 1]) * bx;
      for (std::size_t j = 0; j + 1 < L; ++j) acc += static_cast<double>(taps[j]) * state[j * H + ch];
      for (std::size_t j = 0; j + 2 < L; ++j) state[j * H + ch] = state[(j + 1) * H + ch];
      state[(L - 2) * H + ch] = bx;
      mix[ch] = bcx[H + ch] * static_cast<float>(acc);
    }
  }
  track(ranges, point(l, "mix_in"), mix_all);
  matmul_tokens(out_proj, H, H, mix_all, T, out);
  return {};
}

Expected<void> attention_layer(const ModelConfig& c, const Loader& load, std::uint32_t l, std::vector<float>& hs,
                               std::vector<float>& out, Ranges ranges, std::size_t T) {
  const std::size_t H = c.hidden_size, hd = c.head_dim, nh = c.n_heads, nkv = c.kv_heads[l], group = nh / nkv;
  auto get = [&](const char* what) { return load(fmt::format("blk.{}.{}", l, what)); };
  NPU_TRY_ASSIGN(auto wq, get("attn_q.weight"));
  NPU_TRY_ASSIGN(auto wk, get("attn_k.weight"));
  NPU_TRY_ASSIGN(auto wv, get("attn_v.weight"));
  NPU_TRY_ASSIGN(auto wo, get("attn_output.weight"));
  std::vector<float> qn, kn, bq, bk, bv;
  if (c.qk_norm) {
    NPU_TRY_ASSIGN(qn, get("attn_q_norm.weight"));
    NPU_TRY_ASSIGN(kn, get("attn_k_norm.weight"));
  }
  if (c.qkv_bias) {
    NPU_TRY_ASSIGN(bq, get("attn_q.bias"));
    NPU_TRY_ASSIGN(bk, get("attn_k.bias"));
    NPU_TRY_ASSIGN(bv, get("attn_v.bias"));
  }
  const std::size_t kvd = nkv * hd;
  const std::vector<double> rope_freqs = rope_frequencies(c);
  std::vector<float> q_all(T * nh * hd), kc(T * kvd), vc(T * kvd), mix_all(T * nh * hd);
  matmul_tokens(wq, nh * hd, H, hs, T, q_all);
  matmul_tokens(wk, kvd, H, hs, T, kc);
  matmul_tokens(wv, kvd, H, hs, T, vc);
  std::vector<double> scores(T);
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  for (std::size_t t = 0; t < T; ++t) {
    std::span<float> q(q_all.data() + t * nh * hd, nh * hd), mix(mix_all.data() + t * nh * hd, nh * hd);
    std::span<float> k(kc.data() + t * kvd, kvd), v(vc.data() + t * kvd, kvd);
    if (c.qkv_bias) {
      for (std::size_t i = 0; i < q.size(); ++i) q[i] += bq[i];
      for (std::size_t i = 0; i < kvd; ++i) k[i] += bk[i], v[i] += bv[i];
    }
    for (std::size_t head = 0; head < nh + nkv; ++head) {
      std::span<float> x = head < nh ? std::span<float>(q.data() + head * hd, hd) : k.subspan((head - nh) * hd, hd);
      if (c.qk_norm) rms_norm(x, head < nh ? qn : kn, c.norm_eps, x);
      reference::rope(x, static_cast<std::uint32_t>(t), rope_freqs, c.rope_neox);
    }
    for (std::size_t head = 0; head < nh; ++head) {
      const std::size_t g = head / group;
      double m = -INFINITY;
      for (std::size_t j = 0; j <= t; ++j) {
        double dot = 0;
        for (std::size_t i = 0; i < hd; ++i) dot += static_cast<double>(q[head * hd + i]) * kc[j * kvd + g * hd + i];
        scores[j] = dot * scale;
        m = std::max(m, scores[j]);
      }
      double sum = 0;
      for (std::size_t j = 0; j <= t; ++j) sum += (scores[j] = std::exp(scores[j] - m));
      for (std::size_t i = 0; i < hd; ++i) {
        double acc = 0;
        for (std::size_t j = 0; j <= t; ++j) acc += scores[j] * vc[j * kvd + g * hd + i];
        mix[head * hd + i] = static_cast<float>(acc / sum);
      }
    }
  }
  track(ranges, point(l, "mix_in"), mix_all);
  matmul_tokens(wo, H, nh * hd, mix_all, T, out);
  return {};
}

// A routed mixture of experts over the normed rows h: the router's picks (npu_abi/moe.hpp, the
// device's own routing), then each picked expert's SwiGLU FFN, summed with the route weights into o.
Expected<void> moe_ffn(const ModelConfig& c, const Loader& load, std::uint32_t l, std::span<const float> h,
                       std::vector<float>& o, Ranges ranges, std::size_t T) {
  const std::size_t H = c.hidden_size, M = c.moe_ffn_size, E = c.n_experts, k = c.experts_per_token;
  auto get = [&](const char* what) { return load(fmt::format("blk.{}.{}", l, what)); };
  NPU_TRY_ASSIGN(auto router, get("ffn_gate_inp.weight"));
  std::vector<float> bias;
  if (c.router_bias) {
    NPU_TRY_ASSIGN(bias, get("exp_probs_b.bias"));
  }
  NPU_TRY_ASSIGN(auto gate, get("ffn_gate_exps.weight"));
  NPU_TRY_ASSIGN(auto up, get("ffn_up_exps.weight"));
  NPU_TRY_ASSIGN(auto down, get("ffn_down_exps.weight"));
  std::vector<float> logits(T * E);
  matmul_tokens(router, E, H, h, T, logits);
  abi::MoeRouteParams p;
  p.experts = static_cast<std::uint32_t>(E);
  p.k = static_cast<std::uint32_t>(k);
  p.sigmoid = c.router_sigmoid;
  p.normalize = c.norm_topk;
  p.scale = static_cast<float>(c.routed_scale);
  std::vector<abi::MoeRouteEntry> route(T * k);
  abi::moe_route(logits.data(), c.router_bias ? bias.data() : nullptr, T, p, route.data());
  std::vector<float> act(T * k * M), g(M), u(M), y(H);
  for (std::size_t i = 0; i < T * k; ++i) {
    const std::size_t e = static_cast<std::size_t>(route[i].expert), t = i / k;
    const std::span<const float> x = h.subspan(t * H, H);
    reference::matvec(std::span<const float>(gate).subspan(e * M * H, M * H), x, g);
    reference::matvec(std::span<const float>(up).subspan(e * M * H, M * H), x, u);
    for (std::size_t j = 0; j < M; ++j) act[i * M + j] = reference::silu(g[j]) * u[j];
  }
  track(ranges, point(l, "down_in"), act);
  std::fill(o.begin(), o.end(), 0.0f);
  for (std::size_t i = 0; i < T * k; ++i) {
    const std::size_t e = static_cast<std::size_t>(route[i].expert), t = i / k;
    reference::matvec(std::span<const float>(down).subspan(e * H * M, H * M), std::span<const float>(act).subspan(i * M, M), y);
    for (std::size_t j = 0; j < H; ++j) o[t * H + j] += route[i].weight * y[j];
  }
  return {};
}

Expected<void> ffn(const ModelConfig& c, const Loader& load, std::uint32_t l, std::vector<float>& x,
                   Ranges ranges, std::size_t T) {
  const std::size_t H = c.hidden_size, F = c.ffn_size;
  auto get = [&](const char* what) { return load(fmt::format("blk.{}.{}", l, what)); };
  NPU_TRY_ASSIGN(auto norm, get("ffn_norm.weight"));
  if (c.is_moe(l)) {
    std::vector<float> h(T * H), o(T * H);
    for (std::size_t t = 0; t < T; ++t) {
      rms_norm(std::span<const float>(x.data() + t * H, H), norm, c.norm_eps, std::span<float>(h.data() + t * H, H));
    }
    track(ranges, point(l, "ffn_in"), h);
    NPU_TRY(moe_ffn(c, load, l, h, o, ranges, T));
    for (std::size_t i = 0; i < T * H; ++i) x[i] += o[i];
    return {};
  }
  NPU_TRY_ASSIGN(auto gate, get("ffn_gate.weight"));
  NPU_TRY_ASSIGN(auto up, get("ffn_up.weight"));
  NPU_TRY_ASSIGN(auto down, get("ffn_down.weight"));
  std::vector<float> h(T * H), a(T * F), b(T * F), o(T * H);
  for (std::size_t t = 0; t < T; ++t) {
    rms_norm(std::span<const float>(x.data() + t * H, H), norm, c.norm_eps, std::span<float>(h.data() + t * H, H));
  }
  track(ranges, point(l, "ffn_in"), h);
  matmul_tokens(gate, F, H, h, T, a);
  matmul_tokens(up, F, H, h, T, b);
  for (std::size_t i = 0; i < T * F; ++i) a[i] = reference::silu(a[i]) * b[i];
  track(ranges, point(l, "down_in"), a);
  matmul_tokens(down, H, F, a, T, o);
  for (std::size_t i = 0; i < T * H; ++i) x[i] += o[i];
  return {};
}

}  // namespace

Expected<Fp32Trace> run_fp32_trace(const ModelConfig& c, const WeightSource& src, std::span<const std::int32_t> tokens,
                                   std::uint32_t chunk, const std::function<void(double)>& progress) {
  Fp32Trace trace;
  const Ranges ranges{trace.amax, trace.clip};
  const Loader load{c, src};
  const std::size_t T = tokens.size(), H = c.hidden_size, V = c.vocab_size;
  std::vector<float> x(T * H), hs(T * H), out(T * H);
  {
    NPU_TRY_ASSIGN(auto embd, load("token_embd.weight"));
    for (std::size_t t = 0; t < T; ++t) {
      if (tokens[t] < 0 || static_cast<std::size_t>(tokens[t]) >= V) {
        return fail(ErrorCode::kInvalidArgument, fmt::format("calibration token {} outside the vocabulary", tokens[t]));
      }
      std::copy_n(embd.begin() + std::ptrdiff_t(std::size_t(tokens[t]) * H), H, x.begin() + std::ptrdiff_t(t * H));
    }
  }
  for (std::uint32_t l = 0; l < c.n_layers; ++l) {
    NPU_TRY_ASSIGN(auto norm, load(fmt::format("blk.{}.attn_norm.weight", l)));
    for (std::size_t t = 0; t < T; ++t) {
      rms_norm(std::span<const float>(x.data() + t * H, H), norm, c.norm_eps, std::span<float>(hs.data() + t * H, H));
    }
    track(ranges, point(l, "op_in"), hs);
    if (c.layer_kinds[l] == LayerKind::kConv) NPU_TRY(conv_layer(c, load, l, hs, out, ranges, T));
    else NPU_TRY(attention_layer(c, load, l, hs, out, ranges, T));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += out[i];
    NPU_TRY(ffn(c, load, l, x, ranges, T));
    trace.residual.push_back(x);
    if (progress) progress(static_cast<double>(l + 1) / (c.n_layers + 1));
  }
  NPU_TRY_ASSIGN(auto fnorm, load(std::string(final_norm_name(c))));
  NPU_TRY_ASSIGN(auto head, load(c.tied_embeddings ? "token_embd.weight" : "output.weight"));
  // The head's input keeps its full range (no clipping): the logits decide every token.
  std::vector<float> h(H), last;  // last: the normed chunk-final rows
  float& head_max = trace.amax["head_in"];
  for (std::size_t t = 0; t < T; ++t) {
    rms_norm(std::span<const float>(x.data() + t * H, H), fnorm, c.norm_eps, h);
    for (float v : h) head_max = std::max(head_max, std::fabs(v));
    if ((t + 1) % chunk == 0 || t + 1 == T) last.insert(last.end(), h.begin(), h.end());
  }
  trace.clip["head_in"] = head_max;
  const std::size_t rows = last.size() / H;
  std::vector<float> logits(rows * V);
  matmul_tokens(head, V, H, last, rows, logits);
  for (std::size_t r = 0; r < rows; ++r) trace.logits.emplace_back(logits.begin() + std::ptrdiff_t(r * V), logits.begin() + std::ptrdiff_t((r + 1) * V));
  if (progress) progress(1.0);
  return trace;
}

}  // namespace npu::compiler::llm::detail
