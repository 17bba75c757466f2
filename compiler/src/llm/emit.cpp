// Lowering: one context program per subnet. Per layer: pre-norm -> (short-conv block | attention
// block) -> [post-norm] -> residual add -> FFN norm -> (gate/up -> SwiGLU | GeGLU -> down | router ->
// route -> the k experts' gate/up -> SwiGLU -> down, combined) -> [post-norm] -> residual add; then
// the last valid row -> final norm -> head -> logits (io) -> argmax -> next_token (io).
#include <bit>
#include <cmath>

#include "llm_internal.hpp"
#include "npu_abi/mailbox.hpp"

namespace npu::compiler::llm::detail {
namespace {

using abi::DType;
using abi::OpCode;
using abi::Segment;

constexpr Segment W = Segment::kWeights, IO = Segment::kIo, S = Segment::kScratch, ST = Segment::kState;

abi::Operand opnd(Segment seg, DType t, std::uint64_t offset) {
  abi::Operand o{};
  o.segment = static_cast<std::uint8_t>(seg);
  o.dtype = static_cast<std::uint8_t>(t);
  o.offset = offset;
  return o;
}

abi::Operand none() {
  abi::Operand o{};
  o.segment = abi::kNoSegment;
  return o;
}

std::int32_t fbits(float f) { return std::bit_cast<std::int32_t>(f); }

// A quantize point's scale: max|x| maps to 127 (no clipping).
float act_scale(const std::map<std::string, float>& amax, const std::string& name) {
  auto it = amax.find(name);
  const float a = it == amax.end() ? 0.0f : it->second;
  return (std::isfinite(a) && a > 0.0f) ? a / 127.0f : 1.0f;
}

class Emitter {
 public:
  Emitter(const ModelConfig& c, const WeightsImage& w, const LlmLayout& L, const std::map<std::string, float>& amax,
          std::uint32_t rows)
      : c_(c), w_(w), L_(L), amax_(amax), R_(rows) {}

  abi::OpDesc& op(OpCode code, std::uint32_t d0, std::uint32_t d1, bool rows_from_param = true) {
    abi::OpDesc o{};
    o.opcode = static_cast<std::uint16_t>(code);
    o.flags = rows_from_param ? abi::kRowsFromParam : 0;
    o.dims[0] = d0;
    o.dims[1] = d1;
    for (auto& x : o.operands) x = none();
    prog_.ops.push_back(o);
    return prog_.ops.back();
  }

  void rms_norm(Segment in_seg, std::uint64_t in, std::uint64_t weight, std::uint64_t out, std::uint32_t rows,
                std::uint32_t width, bool rows_from_param = true) {
    auto& o = op(OpCode::kRmsNorm, rows, width, rows_from_param);
    o.operands[0] = opnd(in_seg, DType::kF32, in);
    o.operands[1] = opnd(W, DType::kF32, weight);
    o.operands[3] = opnd(S, DType::kF32, out);
    o.params[0] = fbits(c_.norm_eps);
  }

  // out = x . W^T for `rows` rows; quantizes x first when the weights are integers. `qpoint` names
  // the quantize point (its scale); callers that share one quantized input pass quantize = false.
  void linear(const LinearPlacement& lp, std::uint64_t x, std::uint32_t rows, Segment out_seg, std::uint64_t out,
              const std::string& qpoint, bool quantize = true) {
    const float a = act_scale(amax_, qpoint);
    if (lp.quantized() && quantize) {
      auto& q = op(OpCode::kQuantize, rows, lp.in);
      q.operands[0] = opnd(S, DType::kF32, x);
      q.operands[3] = opnd(S, DType::kI8, L_.scratch.q8);
      q.params[0] = fbits(1.0f / a);
    }
    auto& o = op(OpCode::kLinear, rows, lp.in);
    o.dims[2] = lp.out;
    o.dims[3] = lp.group;
    o.operands[0] = lp.quantized() ? opnd(S, DType::kI8, L_.scratch.q8) : opnd(S, DType::kF32, x);
    o.operands[1] = opnd(W, lp.dtype, lp.offset);
    if (lp.quantized()) o.operands[2] = opnd(W, DType::kF32, lp.scales_offset);
    o.operands[3] = opnd(out_seg, DType::kF32, out);
    if (lp.quantized()) o.params[0] = fbits(a);  // float weights take no parameters (program.hpp)
  }

  void add(std::uint64_t a, Segment b_seg, std::uint64_t b, std::uint64_t out, std::uint32_t width, bool broadcast) {
    auto& o = op(OpCode::kAdd, R_, width);
    if (broadcast) o.flags |= abi::kBroadcastB;
    o.operands[0] = opnd(S, DType::kF32, a);
    o.operands[1] = opnd(b_seg, DType::kF32, b);
    o.operands[3] = opnd(S, DType::kF32, out);
  }

  void conv_block(std::uint32_t l) {
    const LayerPlacement& lp = w_.layers[l];
    const ScratchLayout& s = L_.scratch;
    const std::uint32_t H = c_.hidden_size;
    linear(lp.in_proj, s.h, R_, S, s.proj, point(l, "op_in"));
    auto& o = op(OpCode::kShortConv, R_, H);
    o.dims[2] = c_.conv_l_cache;
    o.operands[0] = opnd(S, DType::kF32, s.proj);
    o.operands[1] = opnd(W, DType::kF32, lp.conv);
    o.operands[2] = opnd(ST, DType::kF32, L_.state[l].offset);
    o.operands[3] = opnd(S, DType::kF32, s.mix);
    linear(lp.out_proj, s.mix, R_, S, s.out, point(l, "mix_in"));
  }

  void attention_block(std::uint32_t l) {
    const LayerPlacement& lp = w_.layers[l];
    const ScratchLayout& s = L_.scratch;
    const std::uint32_t nh = c_.n_heads, kvh = c_.kv_heads[l], hd = c_.head_dim;
    const std::string qp = point(l, "op_in");
    linear(lp.q, s.h, R_, S, s.q, qp);
    linear(lp.k, s.h, R_, S, s.k, qp, false);  // same quantized input as q
    linear(lp.v, s.h, R_, S, s.v, qp, false);
    if (c_.qkv_bias) {
      add(s.q, W, lp.bq, s.q, nh * hd, true);
      add(s.k, W, lp.bk, s.k, kvh * hd, true);
      add(s.v, W, lp.bv, s.v, kvh * hd, true);
    }
    if (c_.qk_norm) {  // per head: rows = rows * heads; dims[2] = heads rows per valid token
      rms_norm(S, s.q, lp.q_norm, s.q, R_ * nh, hd);
      prog_.ops.back().dims[2] = nh;
      rms_norm(S, s.k, lp.k_norm, s.k, R_ * kvh, hd);
      prog_.ops.back().dims[2] = kvh;
    }
    for (auto [buf, heads] : {std::pair{s.q, nh}, std::pair{s.k, kvh}}) {
      auto& r = op(OpCode::kRope, R_, heads);
      r.dims[2] = hd;
      r.operands[0] = opnd(S, DType::kF32, buf);
      // params[0] (theta) stays 0: the table of the layer's kind (local layers have their own base)
      r.operands[1] = opnd(W, DType::kF32, c_.window(l) != 0 && w_.rope_freqs_local != 0 ? w_.rope_freqs_local : w_.rope_freqs);
    }
    const StateEntry& st = L_.state[l];
    const std::uint32_t window = c_.window(l);
    auto& kv = op(OpCode::kKvAppend, R_, kvh);
    kv.dims[2] = hd;
    kv.dims[3] = st.positions;
    if (st.ring) kv.dims[4] = window;  // a ring of window + chunk - 1 positions
    kv.operands[0] = opnd(S, DType::kF32, s.k);
    kv.operands[1] = opnd(S, DType::kF32, s.v);
    const DType kv_type = kv_cache_dtype(L_.kv_cache);
    kv.operands[2] = opnd(ST, kv_type, st.offset);
    auto& at = op(OpCode::kAttention, R_, nh);
    at.dims[2] = kvh;
    at.dims[3] = hd;
    at.dims[4] = st.positions;
    at.dims[5] = window;  // a local layer reads at most its window
    at.operands[0] = opnd(S, DType::kF32, s.q);
    at.operands[2] = opnd(ST, kv_type, st.offset);
    at.operands[3] = opnd(S, DType::kF32, s.mix);
    at.params[0] = fbits(c_.attn_scale > 0.0f ? c_.attn_scale
                                              : static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd))));
    linear(lp.o, s.mix, R_, S, s.out, point(l, "mix_in"));
  }

  // The gated feed-forward of a dense layer: gate/up -> SwiGLU or GeGLU -> down, into s.out.
  void dense_ffn(std::uint32_t l) {
    const LayerPlacement& lp = w_.layers[l];
    const ScratchLayout& s = L_.scratch;
    const std::string fp = point(l, "ffn_in");
    linear(lp.gate, s.h, R_, S, s.gate, fp);
    linear(lp.up, s.h, R_, S, s.up, fp, false);
    glu(c_.ffn_size);
    linear(lp.down, s.act, R_, S, s.out, point(l, "down_in"));
  }

  void glu(std::uint64_t width) {
    const ScratchLayout& s = L_.scratch;
    const bool gelu = c_.ffn_activation == FfnActivation::kGeluTanh;
    auto& g = op(gelu ? OpCode::kGeluGlu : OpCode::kSwiGlu, R_, static_cast<std::uint32_t>(width));
    g.operands[0] = opnd(S, DType::kF32, s.gate);
    g.operands[1] = opnd(S, DType::kF32, s.up);
    g.operands[3] = opnd(S, DType::kF32, s.act);
  }

  // One routed-experts projection: rows x (1 or k slots) x K -> the picked experts. Integer weights
  // read the int8 rows in q8 (activation scale a); float weights the f32 rows at `x`.
  void moe_linear(const LinearPlacement& lp, std::uint64_t x, bool shared_input, bool combine, std::uint64_t out,
                  float a) {
    const ScratchLayout& s = L_.scratch;
    auto& o = op(OpCode::kMoeLinear, R_, lp.in);
    if (shared_input) o.flags |= abi::kMoeSharedInput;
    if (combine) o.flags |= abi::kMoeCombine;
    o.dims[2] = lp.out;
    o.dims[3] = lp.group;
    o.dims[4] = lp.experts;
    o.dims[5] = c_.experts_per_token;
    o.operands[0] = lp.quantized() ? opnd(S, DType::kI8, s.q8) : opnd(S, DType::kF32, x);
    o.operands[1] = opnd(W, lp.dtype, lp.offset);
    if (lp.quantized()) {
      o.operands[2] = opnd(W, DType::kF32, lp.scales_offset);
      o.params[0] = fbits(a);
    }
    o.operands[3] = opnd(S, DType::kF32, out);
    o.params[1] = static_cast<std::int32_t>(s.route);
  }

  // A routed mixture of experts (LFM2-MoE): router logits -> the k picks and weights of each row ->
  // the picked experts' gate and up (one shared int8 input) -> SwiGLU over the k slots -> their down
  // projections, summed with the route weights into s.out.
  void moe_ffn(std::uint32_t l) {
    const LayerPlacement& lp = w_.layers[l];
    const ScratchLayout& s = L_.scratch;
    const std::string fp = point(l, "ffn_in");
    linear(lp.router, s.h, R_, S, s.router, fp);  // quantizes s.h into q8, which the experts reuse
    auto& r = op(OpCode::kMoeRoute, R_, c_.n_experts);
    r.dims[2] = c_.experts_per_token;
    r.operands[0] = opnd(S, DType::kF32, s.router);
    if (c_.router_bias) r.operands[1] = opnd(W, DType::kF32, lp.expert_bias);
    r.operands[3] = opnd(S, DType::kI32, s.route);
    r.params[0] = c_.router_sigmoid ? 1 : 0;
    r.params[1] = c_.norm_topk ? 1 : 0;
    r.params[2] = fbits(static_cast<float>(c_.routed_scale));
    const float a_in = act_scale(amax_, fp);
    moe_linear(lp.gate, s.h, true, false, s.gate, a_in);
    moe_linear(lp.up, s.h, true, false, s.up, a_in);
    glu(std::uint64_t{c_.experts_per_token} * c_.moe_ffn_size);
    const float a_down = act_scale(amax_, point(l, "down_in"));
    if (lp.down.quantized()) {
      auto& q = op(OpCode::kQuantize, R_, c_.experts_per_token * c_.moe_ffn_size);
      q.operands[0] = opnd(S, DType::kF32, s.act);
      q.operands[3] = opnd(S, DType::kI8, s.q8);
      q.params[0] = fbits(1.0f / a_down);
    }
    moe_linear(lp.down, s.act, false, true, s.out, a_down);
  }

  // Gemma 3's sandwich norm: s.out normalized into s.h before the residual add (which reads s.h).
  std::uint64_t post_norm(std::uint64_t weight) {
    const ScratchLayout& s = L_.scratch;
    if (!c_.sandwich_norms) return s.out;
    rms_norm(S, s.out, weight, s.h, R_, c_.hidden_size);
    return s.h;
  }

  EmittedProgram run() {
    const ScratchLayout& s = L_.scratch;
    const std::uint32_t H = c_.hidden_size;
    auto& e = op(OpCode::kEmbed, R_, H);
    if (c_.embedding_scale) e.params[0] = fbits(static_cast<float>(std::sqrt(static_cast<double>(H))));
    e.dims[2] = c_.vocab_size;
    e.operands[0] = opnd(IO, DType::kI32, L_.io.tokens_offset);
    e.operands[1] = opnd(W, w_.embedding_dtype, w_.embedding);
    if (w_.embedding_dtype == DType::kI8) e.operands[2] = opnd(W, DType::kF32, w_.embedding_scales);
    e.operands[3] = opnd(S, DType::kF32, s.x);
    for (std::uint32_t l = 0; l < c_.n_layers; ++l) {
      const LayerPlacement& lp = w_.layers[l];
      const std::size_t first_op = prog_.ops.size();
      rms_norm(S, s.x, lp.attn_norm, s.h, R_, H);
      if (c_.layer_kinds[l] == LayerKind::kConv) conv_block(l);
      else attention_block(l);
      add(s.x, S, post_norm(lp.post_attn_norm), s.x, H, false);
      rms_norm(S, s.x, lp.ffn_norm, s.h, R_, H);
      if (c_.is_moe(l)) moe_ffn(l);
      else dense_ffn(l);
      add(s.x, S, post_norm(lp.post_ffn_norm), s.x, H, false);
      prog_.layer_end.push_back(prog_.ops.size() - 1);
      // The layer tag (docs/device-abi.md): profiles and timing reports attribute ops by it.
      for (std::size_t i = first_op; i < prog_.ops.size(); ++i) prog_.ops[i].reserved = abi::op_layer_tag(l);
    }
    auto& cp = op(OpCode::kCopyRow, R_, H * 4);
    cp.operands[0] = opnd(S, DType::kF32, s.x);
    cp.operands[3] = opnd(S, DType::kF32, s.last);
    cp.params[0] = -1;
    rms_norm(S, s.last, w_.final_norm, s.last_norm, 1, H, false);
    linear(w_.head, s.last_norm, 1, IO, L_.io.logits_offset, "head_in");
    prog_.ops.back().flags = 0;  // one row, always valid
    if (w_.head.quantized()) prog_.ops[prog_.ops.size() - 2].flags = 0;
    auto& am = op(OpCode::kArgmax, 1, c_.vocab_size, false);
    am.operands[0] = opnd(IO, DType::kF32, L_.io.logits_offset);
    am.operands[3] = opnd(IO, DType::kI32, L_.io.next_token_offset);
    return std::move(prog_);
  }

 private:
  const ModelConfig& c_;
  const WeightsImage& w_;
  const LlmLayout& L_;
  const std::map<std::string, float>& amax_;
  std::uint32_t R_;
  EmittedProgram prog_;
};

}  // namespace

EmittedProgram emit_program(const ModelConfig& c, const WeightsImage& w, const LlmLayout& layout,
                            const std::map<std::string, float>& amax, std::uint32_t rows) {
  return Emitter(c, w, layout, amax, rows).run();
}

}  // namespace npu::compiler::llm::detail
