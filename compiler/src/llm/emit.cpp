// Lowering: one context program per subnet. Per layer: pre-norm -> (short-conv block | attention
// block) -> residual add -> FFN norm -> gate/up -> SwiGLU -> down -> residual add; then the last
// valid row -> final norm -> head -> logits (io) -> argmax -> next_token (io).
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
      r.operands[1] = opnd(W, DType::kF32, w_.rope_freqs);  // params[0] (theta) stays 0
    }
    const StateEntry& st = L_.state[l];
    auto& kv = op(OpCode::kKvAppend, R_, kvh);
    kv.dims[2] = hd;
    kv.dims[3] = L_.context_length;
    kv.operands[0] = opnd(S, DType::kF32, s.k);
    kv.operands[1] = opnd(S, DType::kF32, s.v);
    kv.operands[2] = opnd(ST, DType::kF32, st.offset);
    auto& at = op(OpCode::kAttention, R_, nh);
    at.dims[2] = kvh;
    at.dims[3] = hd;
    at.dims[4] = L_.context_length;
    at.operands[0] = opnd(S, DType::kF32, s.q);
    at.operands[2] = opnd(ST, DType::kF32, st.offset);
    at.operands[3] = opnd(S, DType::kF32, s.mix);
    at.params[0] = fbits(static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd))));
    linear(lp.o, s.mix, R_, S, s.out, point(l, "mix_in"));
  }

  EmittedProgram run() {
    const ScratchLayout& s = L_.scratch;
    const std::uint32_t H = c_.hidden_size, F = c_.ffn_size;
    auto& e = op(OpCode::kEmbed, R_, H);
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
      add(s.x, S, s.out, s.x, H, false);
      rms_norm(S, s.x, lp.ffn_norm, s.h, R_, H);
      const std::string fp = point(l, "ffn_in");
      linear(lp.gate, s.h, R_, S, s.gate, fp);
      linear(lp.up, s.h, R_, S, s.up, fp, false);
      auto& g = op(OpCode::kSwiGlu, R_, F);
      g.operands[0] = opnd(S, DType::kF32, s.gate);
      g.operands[1] = opnd(S, DType::kF32, s.up);
      g.operands[3] = opnd(S, DType::kF32, s.act);
      linear(lp.down, s.act, R_, S, s.out, point(l, "down_in"));
      add(s.x, S, s.out, s.x, H, false);
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
