// The allocation plan: every segment lives in device DDR; conv state, conv taps and then whole
// conv blocks' weights are pinned in SRAM (loaded with the context) while they fit in the part of
// SRAM not reserved for streaming. KV caches stay in DDR. A model whose segments do not fit the
// device's DDR is refused here, with the numbers and the largest context that would fit.
#include <algorithm>

#include <fmt/format.h>

#include "llm_internal.hpp"

namespace npu::compiler::llm::detail {
namespace {

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

Expected<AllocationPlan> plan_allocation(const ModelConfig& c, const WeightsImage& w, const LlmLayout& L,
                                         const DeviceMemory& device) {
  AllocationPlan plan;
  plan.device = device.name;
  plan.sram_capacity = device.sram_bytes;
  plan.ddr_capacity = device.ddr_bytes;
  const SegmentSizes& seg = L.segments;
  plan.ddr_used = seg.weights + seg.io + seg.scratch + seg.state;

  std::uint64_t kv_bytes = 0, conv_state = 0, growing_kv = 0;  // growing: the caches that grow with the context
  for (const StateEntry& e : L.state) {
    (e.kind == LayerKind::kAttention ? kv_bytes : conv_state) += e.bytes;
    if (e.kind == LayerKind::kAttention && !e.ring) growing_kv += e.bytes;
  }
  if (plan.ddr_used > device.ddr_bytes) {
    const std::uint64_t fixed = plan.ddr_used - growing_kv;
    const std::uint64_t per_position = L.context_length == 0 ? 0 : growing_kv / L.context_length;
    const std::uint64_t fits = per_position == 0 || fixed >= device.ddr_bytes ? 0 : (device.ddr_bytes - fixed) / per_position;
    const std::uint64_t fits64 = fits / 64 * 64;
    return fail(ErrorCode::kOutOfMemory,
                fmt::format("context {} does not fit device '{}': weights {:.1f} MiB + KV cache {:.1f} MiB ({} attention "
                            "layers) + conv state {:.2f} MiB + scratch {:.1f} MiB + io {:.2f} MiB = {:.1f} MiB, but the "
                            "device has {:.1f} MiB of DDR. {}",
                            L.context_length, device.name, mib(seg.weights), mib(kv_bytes), c.attention_layer_count(),
                            mib(conv_state), mib(seg.scratch), mib(seg.io), mib(plan.ddr_used), mib(device.ddr_bytes),
                            fits64 >= 64 ? fmt::format("The largest context that fits is {}; use --context {} or a "
                                                       "smaller-precision policy.", fits64, fits64)
                                         : std::string("Even without a KV cache the model does not fit; use a "
                                                       "smaller-precision policy or a device with more DDR.")));
  }

  // A quarter of SRAM stays free for double-buffered weight tiles and the chunk's activations.
  plan.sram_reserved = device.sram_bytes / 4;
  const std::uint64_t budget = device.sram_bytes - plan.sram_reserved;
  std::vector<bool> pinned_item(w.items.size(), false);
  auto try_pin = [&](std::uint64_t bytes) {
    if (plan.sram_used + bytes > budget) return false;
    plan.sram_used += bytes;
    return true;
  };
  for (const StateEntry& e : L.state) {
    if (e.kind != LayerKind::kConv) continue;
    const bool in_sram = try_pin(e.bytes);
    plan.entries.push_back({fmt::format("state.blk.{}.conv", e.layer), in_sram ? "sram" : "ddr", "state", e.offset, e.bytes});
  }
  auto is_conv_tensor = [&](const WeightItem& it, bool taps_only) {
    if (it.layer < 0 || c.layer_kinds[static_cast<std::size_t>(it.layer)] != LayerKind::kConv) return false;
    if (it.name.find(".shortconv.") == std::string::npos) return false;
    return !taps_only || it.name.find(".shortconv.conv.") != std::string::npos;
  };
  for (std::size_t i = 0; i < w.items.size(); ++i) {
    if (is_conv_tensor(w.items[i], true)) pinned_item[i] = try_pin(w.items[i].bytes);
  }
  for (std::uint32_t l = 0; l < c.n_layers; ++l) {  // whole conv blocks' projections, in layer order
    std::uint64_t block = 0;
    for (std::size_t i = 0; i < w.items.size(); ++i) {
      if (w.items[i].layer == std::int32_t(l) && is_conv_tensor(w.items[i], false) && !pinned_item[i]) block += w.items[i].bytes;
    }
    if (block == 0 || !try_pin(block)) continue;
    for (std::size_t i = 0; i < w.items.size(); ++i) {
      if (w.items[i].layer == std::int32_t(l) && is_conv_tensor(w.items[i], false)) pinned_item[i] = true;
    }
  }
  for (std::size_t i = 0; i < w.items.size(); ++i) {
    plan.entries.push_back({w.items[i].name, pinned_item[i] ? "sram" : "ddr", "weights", w.items[i].offset, w.items[i].bytes});
  }
  for (const StateEntry& e : L.state) {
    if (e.kind == LayerKind::kAttention) {
      plan.entries.push_back({fmt::format("state.blk.{}.kv", e.layer), "ddr", "state", e.offset, e.bytes});
    }
  }
  plan.entries.push_back({"scratch", "ddr", "scratch", 0, seg.scratch});
  plan.entries.push_back({"io", "ddr", "io", 0, seg.io});
  return plan;
}

}  // namespace npu::compiler::llm::detail
