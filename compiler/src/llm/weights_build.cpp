// Builds the weights segment image: every tensor the programs read, converted per the policy.
// Llama GGUF q/k rows use interleaved RoPE pairs; they are permuted per head here so that the
// device's NeoX-style kRope applies (q.k is unchanged by the same permutation of both).
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "llm_internal.hpp"
#include "npu/common/page.hpp"
#include "npu/compiler/gguf_quant.hpp"
#include "npu/compiler/rope_scaling.hpp"

namespace npu::compiler::llm::detail {
namespace {

class ImageBuilder {
 public:
  // `values` false: sizes and offsets only (a timing-only compile); no bytes are written.
  ImageBuilder(WeightsImage& img, bool values) : img_(img), values_(values) {}
  // Places `bytes` bytes (`data`, when values are built) at the next aligned offset.
  std::uint64_t add(std::string name, std::int32_t layer, std::span<const std::byte> data, std::uint64_t bytes) {
    const std::uint64_t offset = align_up(img_.size, kAlign);
    img_.size = offset + bytes;
    if (values_) {
      img_.bytes.resize(img_.size);
      std::memcpy(img_.bytes.data() + offset, data.data(), bytes);
    }
    img_.items.push_back({std::move(name), layer, offset, bytes});
    return offset;
  }
  std::uint64_t add_floats(std::string name, std::int32_t layer, std::span<const float> v, std::uint64_t count) {
    return add(std::move(name), layer, std::as_bytes(v), count * 4);
  }
  LinearPlacement add_linear(const std::string& name, std::int32_t layer, std::span<const float> w,
                             std::uint32_t in, std::uint32_t out, const LinearPrecision& p) {
    const MatrixStorage st = matrix_storage(out, in, p);
    const QuantizedMatrix q = values_ ? quantize_matrix(w, out, in, p) : QuantizedMatrix{};
    LinearPlacement lp{add(name, layer, q.data, st.data_bytes), st.dtype, 0, st.group, in, out};
    if (st.scale_count != 0) lp.scales_offset = add_floats(name + ".scales", layer, q.scales, st.scale_count);
    return lp;
  }
  // A routed experts' tensor `w` [experts][out][in]: each expert's matrix stored as add_linear stores
  // one, side by side ([experts] of the data, then [experts] of the scales).
  LinearPlacement add_experts(const std::string& name, std::int32_t layer, std::span<const float> w, std::uint32_t in,
                              std::uint32_t out, std::uint32_t experts, const LinearPrecision& p) {
    const MatrixStorage st = matrix_storage(out, in, p);
    std::vector<std::byte> data;
    std::vector<float> scales;
    if (values_) {
      const std::size_t per = std::size_t{out} * in;
      data.reserve(st.data_bytes * experts);
      scales.reserve(st.scale_count * experts);
      for (std::uint32_t e = 0; e < experts; ++e) {
        const QuantizedMatrix q = quantize_matrix(w.subspan(e * per, per), out, in, p);
        data.insert(data.end(), q.data.begin(), q.data.end());
        scales.insert(scales.end(), q.scales.begin(), q.scales.end());
      }
    }
    LinearPlacement lp{add(name, layer, data, st.data_bytes * experts), st.dtype, 0, st.group, in, out, experts};
    if (st.scale_count != 0) lp.scales_offset = add_floats(name + ".scales", layer, scales, st.scale_count * experts);
    return lp;
  }
  [[nodiscard]] bool values() const noexcept { return values_; }

 private:
  WeightsImage& img_;
  bool values_;
};

// Interleaved (2i, 2i+1) -> NeoX (i, i + hd/2) order of the rows of each head.
std::vector<float> to_neox_rows(std::span<const float> w, std::uint32_t heads, std::uint32_t hd, std::uint32_t in) {
  std::vector<float> out(w.size());
  for (std::uint32_t h = 0; h < heads; ++h) {
    for (std::uint32_t i = 0; i < hd; ++i) {
      const std::uint32_t src = i < hd / 2 ? 2 * i : 2 * (i - hd / 2) + 1;
      std::copy_n(w.begin() + std::ptrdiff_t(std::size_t(h * hd + src) * in), in,
                  out.begin() + std::ptrdiff_t(std::size_t(h * hd + i) * in));
    }
  }
  return out;
}

}  // namespace

Expected<WeightsImage> build_weights(const ModelConfig& c, const WeightSource* src, const PrecisionPolicy& policy,
                                     const std::function<void(double)>& progress) {
  WeightsImage img;
  ImageBuilder b(img, src != nullptr);
  const std::uint32_t H = c.hidden_size, V = c.vocab_size, F = c.ffn_size, hd = c.head_dim, nh = c.n_heads;
  const std::vector<TensorSpec> specs = expected_tensors(c);
  auto load = [&](const std::string& name) -> Expected<std::vector<float>> {
    if (src == nullptr) return std::vector<float>{};  // sizes only
    for (const TensorSpec& s : specs) {
      if (s.name == name) return load_checked(*src, name, s.shape);
    }
    return fail(ErrorCode::kInternal, fmt::format("no expected shape for tensor '{}'", name));
  };

  NPU_TRY_ASSIGN(std::vector<float> embd, load("token_embd.weight"));
  const std::uint64_t embd_count = std::uint64_t{V} * H;
  switch (policy.embedding) {
    case EmbeddingType::kF32:
      img.embedding_dtype = abi::DType::kF32;
      img.embedding = b.add_floats("token_embd.weight", -1, embd, embd_count);
      break;
    case EmbeddingType::kF16:
    case EmbeddingType::kBF16: {
      const bool f16 = policy.embedding == EmbeddingType::kF16;
      std::vector<std::uint16_t> half(embd.size());
      for (std::size_t i = 0; i < embd.size(); ++i) half[i] = f16 ? float_to_fp16(embd[i]) : float_to_bf16(embd[i]);
      img.embedding_dtype = f16 ? abi::DType::kF16 : abi::DType::kBF16;
      img.embedding = b.add("token_embd.weight", -1, std::as_bytes(std::span(half)), embd_count * 2);
      break;
    }
    case EmbeddingType::kInt8: {
      const LinearPlacement e = b.add_linear("token_embd.weight", -1, embd, H, V, LinearPrecision{WeightType::kInt8, 0});
      img.embedding_dtype = abi::DType::kI8;
      img.embedding = e.offset;
      img.embedding_scales = e.scales_offset;
      break;
    }
  }
  const std::string final_norm(final_norm_name(c));
  NPU_TRY_ASSIGN(std::vector<float> fnorm, load(final_norm));
  img.final_norm = b.add_floats(final_norm, -1, fnorm, H);
  if (c.attention_layer_count() > 0) {  // RoPE frequencies (scaling included), computed once here
    const std::vector<double> f = rope_frequencies(c);
    const std::vector<float> freqs(f.begin(), f.end());
    img.rope_freqs = b.add_floats("rope_freqs", -1, freqs, freqs.size());
    if (c.rope_local_theta > 0.0 && std::any_of(c.attn_window.begin(), c.attn_window.end(), [](auto w) { return w != 0; })) {
      const std::vector<double> fl = rope_frequencies(c.rope_local_theta, c.head_dim);
      const std::vector<float> local(fl.begin(), fl.end());
      img.rope_freqs_local = b.add_floats("rope_freqs_local", -1, local, local.size());
    }
  }
  // The head: untied storage in the head's own precision, unless it can share the float embedding.
  const LinearPrecision& hp = policy.head;
  const bool share = c.tied_embeddings && ((hp.weights == WeightType::kF32 && img.embedding_dtype == abi::DType::kF32) ||
                                           (hp.weights == WeightType::kF16 && img.embedding_dtype == abi::DType::kF16));
  if (share) {
    img.head = LinearPlacement{img.embedding, img.embedding_dtype, 0, 0, H, V};
  } else if (c.tied_embeddings) {
    img.head = b.add_linear("output.weight", -1, embd, H, V, hp);
  } else {
    NPU_TRY_ASSIGN(std::vector<float> out, load("output.weight"));
    img.head = b.add_linear("output.weight", -1, out, H, V, hp);
  }
  embd = {};
  if (progress) progress(0.1);

  img.layers.resize(c.n_layers);
  for (std::uint32_t l = 0; l < c.n_layers; ++l) {
    LayerPlacement& lp = img.layers[l];
    const auto li = static_cast<std::int32_t>(l);
    const LinearPrecision prec = policy.for_layer(l, c.layer_kinds[l]);
    auto name = [&](const char* what) { return fmt::format("blk.{}.{}", l, what); };
    auto floats = [&](const char* what, std::uint64_t count, std::uint64_t& slot) -> Expected<void> {
      NPU_TRY_ASSIGN(std::vector<float> v, load(name(what)));
      slot = b.add_floats(name(what), li, v, count);
      return {};
    };
    auto linear = [&](const char* what, std::uint32_t in, std::uint32_t out, LinearPlacement& slot,
                      std::uint32_t permute_heads = 0) -> Expected<void> {
      NPU_TRY_ASSIGN(std::vector<float> w, load(name(what)));
      if (permute_heads != 0 && b.values()) w = to_neox_rows(w, permute_heads, hd, in);
      slot = b.add_linear(name(what), li, w, in, out, prec);
      return {};
    };
    NPU_TRY(floats("attn_norm.weight", H, lp.attn_norm));
    NPU_TRY(floats("ffn_norm.weight", H, lp.ffn_norm));
    if (c.layer_kinds[l] == LayerKind::kConv) {
      NPU_TRY(linear("shortconv.in_proj.weight", H, 3 * H, lp.in_proj));
      NPU_TRY(floats("shortconv.conv.weight", std::uint64_t{H} * c.conv_l_cache, lp.conv));
      NPU_TRY(linear("shortconv.out_proj.weight", H, H, lp.out_proj));
    } else {
      const std::uint32_t kvh = c.kv_heads[l];
      const bool permute = !c.rope_neox;
      NPU_TRY(linear("attn_q.weight", H, nh * hd, lp.q, permute ? nh : 0));
      NPU_TRY(linear("attn_k.weight", H, kvh * hd, lp.k, permute ? kvh : 0));
      NPU_TRY(linear("attn_v.weight", H, kvh * hd, lp.v));
      NPU_TRY(linear("attn_output.weight", nh * hd, H, lp.o));
      if (c.qk_norm) {
        NPU_TRY(floats("attn_q_norm.weight", hd, lp.q_norm));
        NPU_TRY(floats("attn_k_norm.weight", hd, lp.k_norm));
      }
      if (c.qkv_bias) {
        NPU_TRY_ASSIGN(std::vector<float> bq, load(name("attn_q.bias")));
        NPU_TRY_ASSIGN(std::vector<float> bk, load(name("attn_k.bias")));
        if (permute && b.values()) {
          bq = to_neox_rows(bq, nh, hd, 1);
          bk = to_neox_rows(bk, kvh, hd, 1);
        }
        lp.bq = b.add_floats(name("attn_q.bias"), li, bq, std::uint64_t{nh} * hd);
        lp.bk = b.add_floats(name("attn_k.bias"), li, bk, std::uint64_t{kvh} * hd);
        NPU_TRY(floats("attn_v.bias", std::uint64_t{kvh} * hd, lp.bv));
      }
    }
    if (c.sandwich_norms) {
      NPU_TRY(floats("post_attention_norm.weight", H, lp.post_attn_norm));
      NPU_TRY(floats("post_ffw_norm.weight", H, lp.post_ffn_norm));
    }
    if (c.is_moe(l)) {
      const std::uint32_t E = c.n_experts, M = c.moe_ffn_size;
      NPU_TRY(linear("ffn_gate_inp.weight", H, E, lp.router));
      if (c.router_bias) NPU_TRY(floats("exp_probs_b.bias", E, lp.expert_bias));
      auto experts = [&](const char* what, std::uint32_t in, std::uint32_t out, LinearPlacement& slot) -> Expected<void> {
        NPU_TRY_ASSIGN(std::vector<float> w, load(name(what)));
        slot = b.add_experts(name(what), li, w, in, out, E, prec);
        return {};
      };
      NPU_TRY(experts("ffn_gate_exps.weight", H, M, lp.gate));
      NPU_TRY(experts("ffn_up_exps.weight", H, M, lp.up));
      NPU_TRY(experts("ffn_down_exps.weight", M, H, lp.down));
    } else {
      NPU_TRY(linear("ffn_gate.weight", H, F, lp.gate));
      NPU_TRY(linear("ffn_up.weight", H, F, lp.up));
      NPU_TRY(linear("ffn_down.weight", F, H, lp.down));
    }
    if (progress) progress(0.1 + 0.9 * (l + 1) / c.n_layers);
  }
  img.size = align_up(img.size, kAlign);
  if (b.values()) img.bytes.resize(img.size);
  return img;
}

}  // namespace npu::compiler::llm::detail
