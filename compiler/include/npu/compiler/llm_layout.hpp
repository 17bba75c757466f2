// Where an LLM's tensors live: the segments of its two programs (weights / io / scratch / state),
// the io contract of docs/npk-llm.md, the per-layer state, and the allocation plan (SRAM vs DDR).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "npu/compiler/llm_policy.hpp"
#include "npu/compiler/model_config.hpp"

namespace npu::compiler::llm {

// io segment (docs/npk-llm.md): tokens i32 [chunk], logits f32 [vocab], next_token i32.
struct IoLayout {
  std::uint64_t tokens_offset = 0;
  std::uint32_t tokens_count = 0;
  std::uint64_t logits_offset = 0;
  std::uint32_t logits_count = 0;
  std::uint64_t next_token_offset = 0;
  std::uint64_t bytes = 0;
};

// One layer's persistent state: the KV cache (attention) or the last L-1 B*x rows (conv).
struct StateEntry {
  std::uint32_t layer = 0;
  LayerKind kind = LayerKind::kConv;
  std::uint64_t offset = 0;
  std::uint64_t bytes = 0;
  // Attention: the KV cache's capacity in positions (the context, or for a sliding-window layer a
  // ring of window + prefill chunk - 1 positions when that is smaller) and whether it is a ring.
  std::uint32_t positions = 0;
  bool ring = false;
};

// Float activations in the scratch segment, sized for `rows` (the prefill chunk); the TBT program
// uses the same offsets with one row.
struct ScratchLayout {
  std::uint32_t rows = 0;
  std::uint64_t x = 0, h = 0, q8 = 0, proj = 0, q = 0, k = 0, v = 0, mix = 0, out = 0;
  std::uint64_t gate = 0, up = 0, act = 0, last = 0, last_norm = 0;
  std::uint64_t router = 0, route = 0;  // MoE: router logits f32 [rows][experts], route table [rows][k]
  std::uint64_t bytes = 0;
};

struct SegmentSizes {
  std::uint64_t weights = 0, io = 0, scratch = 0, state = 0;
};

struct LlmLayout {
  SegmentSizes segments;
  IoLayout io;
  ScratchLayout scratch;
  std::vector<StateEntry> state;
  KvCacheType kv_cache = KvCacheType::kF32;  // the element type of every attention layer's KV cache
  std::uint32_t context_length = 0;
  std::uint32_t prefill_chunk = 0;
};

// Placement of one item in the allocation plan.
struct PlanEntry {
  std::string name;     // "blk.0.shortconv.in_proj.weight", "state.blk.2.kv", "scratch", ...
  std::string memory;   // "sram" or "ddr"
  std::string segment;  // weights | io | scratch | state
  std::uint64_t offset = 0;
  std::uint64_t bytes = 0;
};

struct AllocationPlan {
  std::string device;
  std::uint64_t sram_capacity = 0, sram_reserved = 0, sram_used = 0;
  std::uint64_t ddr_capacity = 0, ddr_used = 0;
  std::vector<PlanEntry> entries;
};

}  // namespace npu::compiler::llm
