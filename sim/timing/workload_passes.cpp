// The WorkItems of an LLM's load, prefill chunks and decode steps, from its shapes.
#include <algorithm>

#include <fmt/format.h>

#include "npu/sim/workload_model.hpp"
#include "npu/sim/workload_ops.hpp"

namespace npu::sim {

namespace {

constexpr std::uint64_t kDescriptorBytes = 64 * 1024;  // one DMA descriptor per 64 KiB
constexpr std::uint64_t kTokenIdBytes = 4;

QuantScheme layer_scheme(const PrecisionPolicy& policy, LayerType t) {
  return t == LayerType::kAttention ? policy.attention_layers : policy.conv_layers;
}

// The linear layers of one block: {k, n, bias} of each GEMM, in execution order.
struct Linear {
  const char* name;
  std::uint64_t k;
  std::uint64_t n;
  bool bias;
};

std::vector<Linear> block_linears(const ModelShape& s, LayerType t) {
  const std::uint64_t h = s.hidden;
  const std::uint64_t q = static_cast<std::uint64_t>(s.heads) * s.head_dim;
  const std::uint64_t kv = static_cast<std::uint64_t>(s.kv_heads) * s.head_dim;
  std::vector<Linear> out;
  if (t == LayerType::kAttention) {
    out.push_back({"qkv_proj", h, q + 2 * kv, s.qkv_bias});
    out.push_back({"o_proj", q, h, false});
  } else {
    out.push_back({"in_proj", h, 3 * h, false});
    out.push_back({"out_proj", h, h, false});
  }
  out.push_back({"ffn_gate_up", h, 2ull * s.ffn, false});
  out.push_back({"ffn_down", s.ffn, h, false});
  return out;
}

WorkItem dma(WorkKind kind, std::string label, std::uint64_t bytes) {
  WorkItem w;
  w.kind = kind;
  w.label = std::move(label);
  w.bytes = bytes;
  w.descriptors = static_cast<std::uint32_t>(std::max<std::uint64_t>(
      1, (bytes + kDescriptorBytes - 1) / kDescriptorBytes));
  return w;
}

}  // namespace

Expected<WorkloadPlan> plan_workload(const DeviceProfile& profile, const ModelShape& shape,
                                     const PrecisionPolicy& policy,
                                     const WorkloadOptions& options) {
  if (shape.layers.empty() || shape.hidden == 0 || shape.heads == 0 || shape.kv_heads == 0 ||
      shape.head_dim == 0 || shape.ffn == 0 || shape.vocab == 0) {
    return fail(ErrorCode::kInvalidArgument,
                "workload: model shape has a zero dimension or no layers; load it with "
                "load_hf_config");
  }
  if (options.prefill_chunk == 0 || options.context_length == 0) {
    return fail(ErrorCode::kInvalidArgument, "workload: prefill chunk and context must be > 0");
  }
  const std::uint32_t prompt = options.prompt_tokens ? options.prompt_tokens : options.prefill_chunk;
  const std::uint32_t position = options.decode_position ? options.decode_position : prompt;
  if (prompt > options.context_length || position >= options.context_length) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("workload: prompt of {} tokens / decode position {} does not fit the "
                            "{}-token context; raise context_length",
                            prompt, position, options.context_length));
  }
  WorkloadPlan plan;
  std::uint64_t attention_layers = 0;
  for (LayerType t : shape.layers) {
    const QuantScheme s = layer_scheme(policy, t);
    for (const Linear& l : block_linears(shape, t)) {
      plan.layer_weight_bytes += quantized_weight_bytes(s, l.k, l.n, policy.group_size) +
                                 (l.bias ? l.n * 4 : 0);
    }
    if (t == LayerType::kShortConv) plan.layer_weight_bytes += 2ull * shape.hidden * shape.conv_kernel;
    attention_layers += t == LayerType::kAttention;
  }
  plan.head_bytes = quantized_weight_bytes(policy.head, shape.hidden, shape.vocab, policy.group_size);
  plan.embedding_bytes =
      static_cast<std::uint64_t>(shape.vocab) * shape.hidden * weight_bits(policy.embedding) / 8;
  plan.kv_cache_bytes = static_cast<std::uint64_t>(options.context_length) * attention_layers * 2 *
                        shape.kv_heads * shape.head_dim * weight_bits(policy.kv_cache) / 8;
  const std::uint64_t device_bytes = plan.compiled_bytes() + plan.kv_cache_bytes;
  if (device_bytes > profile.ddr_bytes) {
    return fail(ErrorCode::kOutOfMemory,
                fmt::format("workload: the model needs {:.2f} GB of device memory (weights + KV "
                            "cache) but {} has {:.2f} GB; use a smaller context or lower precision",
                            device_bytes / 1e9, profile.name, profile.ddr_bytes / 1e9));
  }
  plan.weights_in_sram =
      plan.layer_weight_bytes + plan.head_bytes + plan.kv_cache_bytes <= profile.sram_bytes / 2;
  return plan;
}

std::vector<Task> forward_pass_tasks(const ModelShape& s, const PrecisionPolicy& policy,
                                     const WorkloadPlan& plan, std::uint32_t tokens,
                                     std::uint32_t position) {
  const MemLocation where = plan.weights_in_sram ? MemLocation::kSram : MemLocation::kDdr;
  const std::uint64_t m = tokens;
  const std::uint64_t q = static_cast<std::uint64_t>(s.heads) * s.head_dim;
  const std::uint64_t kv = static_cast<std::uint64_t>(s.kv_heads) * s.head_dim;
  std::vector<WorkItem> items;
  items.reserve(4 + s.layers.size() * 13);
  items.push_back(dma(WorkKind::kDmaH2D, "token ids in", m * kTokenIdBytes));

  auto op = [&](OpKind kind, const char* name, std::uint32_t layer, QuantScheme scheme) {
    OpShape o;
    o.kind = kind;
    o.label = layer == WorkItem::kNoLayer ? name : fmt::format("L{}.{}", layer, name);
    o.layer = layer;
    o.m = m;
    o.scheme = scheme;
    o.group_size = policy.group_size;
    o.weights = where;
    o.kv_scheme = policy.kv_cache;
    return o;
  };
  auto push = [&](const OpShape& o) { items.push_back(make_work_item(o)); };

  OpShape embed = op(OpKind::kEmbedding, "embedding", WorkItem::kNoLayer, policy.embedding);
  embed.k = s.hidden;
  embed.n = s.vocab;
  embed.weights = MemLocation::kDdr;
  push(embed);

  for (std::uint32_t i = 0; i < s.layers.size(); ++i) {
    const LayerType t = s.layers[i];
    const QuantScheme sc = layer_scheme(policy, t);
    const auto linears = block_linears(s, t);
    auto gemm = [&](const Linear& l) {
      OpShape g = op(OpKind::kGemm, l.name, i, sc);
      g.k = l.k;
      g.n = l.n;
      g.bias = l.bias;
      push(g);
    };
    auto simple = [&](OpKind kind, const char* name, std::uint64_t k, std::uint64_t n) {
      OpShape e = op(kind, name, i, sc);
      e.k = k;
      e.n = n;
      push(e);
    };
    simple(OpKind::kNorm, "norm", s.hidden, 0);
    gemm(linears[0]);
    if (t == LayerType::kAttention) {
      if (s.qk_norm) simple(OpKind::kNorm, "qk_norm", q + kv, 0);
      simple(OpKind::kRope, "rope", q + kv, 0);
      OpShape a = op(OpKind::kAttention, "attention", i, sc);
      a.heads = s.heads;
      a.kv_heads = s.kv_heads;
      a.head_dim = s.head_dim;
      a.cached = position;
      a.context = position + (m + 1) / 2;  // causal: the chunk's queries see half of it on average
      push(a);
    } else {
      simple(OpKind::kShortConv, "short_conv", s.hidden, s.conv_kernel);
    }
    gemm(linears[1]);
    simple(OpKind::kElementwise, "residual", s.hidden, 1);
    simple(OpKind::kNorm, "ffn_norm", s.hidden, 0);
    gemm(linears[2]);
    simple(OpKind::kElementwise, "swiglu", s.ffn, 4);
    gemm(linears[3]);
    simple(OpKind::kElementwise, "ffn_residual", s.hidden, 1);
  }
  // Only the last position's logits are needed: final norm, head and argmax on one row.
  OpShape norm = op(OpKind::kNorm, "final_norm", WorkItem::kNoLayer, policy.head);
  norm.m = 1;
  norm.k = s.hidden;
  push(norm);
  OpShape head = op(OpKind::kGemm, "head", WorkItem::kNoLayer, policy.head);
  head.m = 1;
  head.k = s.hidden;
  head.n = s.vocab;
  push(head);
  OpShape pick = op(OpKind::kArgmax, "argmax", WorkItem::kNoLayer, policy.head);
  pick.m = 1;
  pick.k = s.vocab;
  push(pick);
  items.push_back(dma(WorkKind::kDmaD2H, "token id out", kTokenIdBytes));

  std::vector<Task> tasks;
  tasks.reserve(items.size());
  append_chain(tasks, std::move(items));
  return tasks;
}

std::vector<Task> load_tasks(const DeviceProfile& profile, const WorkloadPlan& plan) {
  std::vector<Task> tasks;
  const std::uint64_t total = plan.compiled_bytes();
  const std::uint64_t chunk = profile.load_chunk_bytes;
  const std::uint64_t chunks = (total + chunk - 1) / chunk;
  const std::uint32_t staging = std::max<std::uint32_t>(1, profile.load_staging_buffers);
  tasks.reserve(2 * chunks + 4);
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::uint64_t bytes = std::min(chunk, total - i * chunk);
    Task upload;
    upload.item = dma(WorkKind::kDmaH2D, "weights in", bytes);
    // The staging buffer this chunk uses is free once its previous chunk has been placed.
    if (i >= staging) upload.after[0] = static_cast<std::uint32_t>(2 * (i - staging) + 1);
    tasks.push_back(std::move(upload));
    Task place;
    place.item.kind = WorkKind::kControl;
    place.item.label = "place weights";
    place.item.bytes = bytes;
    place.after[0] = static_cast<std::uint32_t>(tasks.size() - 1);
    tasks.push_back(std::move(place));
  }
  for (const char* context : {"prefill", "tbt"}) {
    Task config;
    config.item = dma(WorkKind::kDmaH2D, fmt::format("{} context config in", context),
                      profile.context_config_bytes);
    if (!tasks.empty()) config.after[0] = static_cast<std::uint32_t>(tasks.size() - 1);
    tasks.push_back(std::move(config));
    Task configure;
    configure.item.kind = WorkKind::kControl;
    configure.item.label = fmt::format("configure {} context", context);
    configure.after[0] = static_cast<std::uint32_t>(tasks.size() - 1);
    tasks.push_back(std::move(configure));
  }
  return tasks;
}

WorkItem context_switch_item(const DeviceProfile& profile, const char* context) {
  WorkItem w;
  w.kind = WorkKind::kContextSwitch;
  w.label = fmt::format("switch to {} context", context);
  w.bytes = profile.context_config_bytes;
  return w;
}

}  // namespace npu::sim
