// Timing-only workload model of an LLM on the device: from shapes and a precision policy, the
// WorkItems of the one-time load, a prefill chunk and one decode step, run through a
// TimingModel to give load time, TTFT, decode tokens/s, utilisation, DDR traffic, per-layer
// bound and energy. No values are computed (what-if studies from a config alone).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/sim/timing_model.hpp"
#include "npu/sim/timing_schedule.hpp"
#include "npu/sim/workload_shape.hpp"

namespace npu::sim {

struct WorkloadOptions {
  std::uint32_t context_length = 2048;  // the compiled context (KV cache capacity)
  std::uint32_t prefill_chunk = 96;     // tokens per prefill pass (Hailo's default chunk)
  std::uint32_t prompt_tokens = 0;      // prompt behind TTFT; 0 = one full chunk
  std::uint32_t decode_position = 0;    // KV length at the modeled decode step; 0 = prompt
  bool trace = false;                   // keep Perfetto traces of the TTFT and decode passes
};

// Where a model's parts live and how big the compiled model is.
struct WorkloadPlan {
  std::uint64_t layer_weight_bytes = 0;  // all linear layers, quantized, with scales and biases
  std::uint64_t head_bytes = 0;
  std::uint64_t embedding_bytes = 0;
  std::uint64_t kv_cache_bytes = 0;      // at context_length
  bool weights_in_sram = false;          // small models: everything resident on chip
  [[nodiscard]] std::uint64_t compiled_bytes() const noexcept {
    return layer_weight_bytes + head_bytes + embedding_bytes;
  }
};

[[nodiscard]] Expected<WorkloadPlan> plan_workload(const DeviceProfile& profile,
                                                   const ModelShape& shape,
                                                   const PrecisionPolicy& policy,
                                                   const WorkloadOptions& options);

// The ops of one forward pass of `tokens` tokens starting at KV position `position` (prefill
// chunk: tokens = chunk; decode step: tokens = 1), with token upload and result download.
[[nodiscard]] std::vector<Task> forward_pass_tasks(const ModelShape& shape,
                                                   const PrecisionPolicy& policy,
                                                   const WorkloadPlan& plan, std::uint32_t tokens,
                                                   std::uint32_t position);
// Weight upload (chunked through the staging buffers) and configuration of the two contexts.
[[nodiscard]] std::vector<Task> load_tasks(const DeviceProfile& profile, const WorkloadPlan& plan);
// Switching the compute to a context (prefill or token-by-token).
[[nodiscard]] WorkItem context_switch_item(const DeviceProfile& profile, const char* context);

struct LayerReport {
  std::uint32_t index = 0;
  LayerType type = LayerType::kAttention;
  Cycles cycles = 0;          // first op start to last op end
  Cycles compute_cycles = 0;  // sum over its ops
  Cycles memory_cycles = 0;
  bool memory_bound = false;
};

struct PassReport {
  double seconds = 0;
  std::uint64_t macs = 0;
  std::uint64_t ddr_bytes = 0;
  double energy_j = 0;   // static + dynamic over the pass
  std::array<double, kResourceCount> utilisation{};  // busy / pass time, per Resource
  std::vector<LayerReport> layers;
};

struct WorkloadReport {
  WorkloadPlan plan;
  double load_s = 0;
  double ttft_s = 0;
  double decode_step_s = 0;
  double decode_tokens_per_s = 0;
  double energy_per_token_j = 0;  // decode
  double decode_power_w = 0;
  PassReport load;
  PassReport prefill;             // the TTFT pass (context switch + first chunk(s))
  PassReport decode;              // one decode step
  std::string prefill_trace;      // Chrome/Perfetto JSON when WorkloadOptions::trace
  std::string decode_trace;
};

[[nodiscard]] Expected<WorkloadReport> estimate_workload(const DeviceProfile& profile,
                                                         const ModelShape& shape,
                                                         const PrecisionPolicy& policy,
                                                         const WorkloadOptions& options = {});

}  // namespace npu::sim
