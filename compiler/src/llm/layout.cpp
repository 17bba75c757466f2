// Segment layout of an LLM: io (docs/npk-llm.md), scratch activations sized for the prefill
// chunk (the TBT program reuses the same offsets with one row), and per-layer state.
#include <algorithm>

#include <fmt/format.h>

#include "llm_internal.hpp"
#include "npu/common/page.hpp"
#include "npu_abi/operand_sizes.hpp"

namespace npu::compiler::llm::detail {

std::string point(std::uint32_t layer, const char* what) { return fmt::format("blk.{}.{}", layer, what); }

abi::DType kv_cache_dtype(KvCacheType t) noexcept {
  switch (t) {
    case KvCacheType::kF16: return abi::DType::kF16;
    case KvCacheType::kInt8: return abi::DType::kI8;
    case KvCacheType::kF32: break;
  }
  return abi::DType::kF32;
}

LlmLayout make_layout(const ModelConfig& c, std::uint32_t chunk, std::uint32_t context, std::uint64_t weights_bytes,
                      KvCacheType kv_cache) {
  LlmLayout L;
  L.context_length = context;
  L.kv_cache = kv_cache;
  L.prefill_chunk = chunk;
  L.segments.weights = weights_bytes;

  IoLayout& io = L.io;
  io.tokens_count = chunk;
  io.logits_offset = align_up(std::uint64_t{4} * chunk, kAlign);
  io.logits_count = c.vocab_size;
  io.next_token_offset = align_up(io.logits_offset + std::uint64_t{4} * c.vocab_size, kAlign);
  io.bytes = align_up(io.next_token_offset + 4, kAlign);
  L.segments.io = io.bytes;

  const std::uint64_t R = chunk, H = c.hidden_size, QD = std::uint64_t{c.n_heads} * c.head_dim;
  // The widest feed-forward activation row: the dense FFN, or the k routed experts' side by side.
  const std::uint64_t F = std::max<std::uint64_t>(c.ffn_size, std::uint64_t{c.experts_per_token} * c.moe_ffn_size);
  std::uint64_t max_kv = 0;
  for (std::uint32_t kv : c.kv_heads) max_kv = std::max<std::uint64_t>(max_kv, kv);
  const std::uint64_t KVD = max_kv * c.head_dim;
  const bool has_conv = std::any_of(c.layer_kinds.begin(), c.layer_kinds.end(),
                                    [](LayerKind k) { return k == LayerKind::kConv; });
  ScratchLayout& s = L.scratch;
  s.rows = chunk;
  std::uint64_t end = 0;
  auto take = [&](std::uint64_t bytes) {
    const std::uint64_t at = align_up(end, kAlign);
    end = at + bytes;
    return at;
  };
  s.x = take(R * H * 4);
  s.h = take(R * H * 4);
  s.q8 = take(R * std::max({H, F, QD}));
  s.proj = take(has_conv ? R * 3 * H * 4 : 0);
  s.q = take(R * QD * 4);
  s.k = take(R * KVD * 4);
  s.v = take(R * KVD * 4);
  s.mix = take(R * std::max(H, QD) * 4);
  s.out = take(R * H * 4);
  s.gate = take(R * F * 4);
  s.up = take(R * F * 4);
  s.act = take(R * F * 4);
  s.router = take(R * c.n_experts * 4);
  s.route = take(R * c.experts_per_token * abi::kMoeRouteEntryBytes);
  s.last = take(H * 4);
  s.last_norm = take(H * 4);
  s.bytes = align_up(end, kAlign);
  L.segments.scratch = s.bytes;

  std::uint64_t st = 0;
  for (std::uint32_t l = 0; l < c.n_layers; ++l) {
    StateEntry e{l, c.layer_kinds[l], align_up(st, kAlign), 0};
    if (e.kind == LayerKind::kAttention) {
      // A sliding-window layer keeps a ring of the window plus one chunk (kKvAppend's rule) when
      // that is shorter than the context.
      const std::uint64_t ring = c.window(l) == 0 ? context : std::uint64_t{c.window(l)} + chunk - 1;
      e.ring = ring < context;
      e.positions = static_cast<std::uint32_t>(e.ring ? ring : context);
    }
    e.bytes = e.kind == LayerKind::kConv ? std::uint64_t{c.conv_l_cache - 1} * H * 4
                                         : abi::kv_cache_bytes(static_cast<std::uint8_t>(kv_cache_dtype(kv_cache)),
                                                               e.positions, c.kv_heads[l], c.head_dim);
    st = e.offset + e.bytes;
    L.state.push_back(e);
  }
  L.segments.state = std::max<std::uint64_t>(align_up(st, kAlign), kAlign);
  return L;
}

}  // namespace npu::compiler::llm::detail
