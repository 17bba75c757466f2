// genai::bench: an LLM benchmark through the public API, reporting what the device and the
// runtime measure (what `npu bench` prints). One or more sessions of the model generate at once
// from the same synthetic prompt (greedy, end tokens ignored); the report has each session's
// figures, the per-layer time of the prefill and decode subnets from the device profile (where
// the device keeps one), and with several sessions how fairly the device served them (Jain's
// index over their device-clock rates) and what switching between them cost.
//
//   NPU_TRY_ASSIGN(auto report, npu::genai::bench(*vdevice, *llm, {.gen_tokens = 64, .sessions = 4}));
//   fmt::print("{:.1f} tokens/s, fairness {:.3f}\n", report.sessions[0].stats.device_decode_tokens_per_s(),
//              report.jain_fairness);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/device_info.hpp"
#include "npu/device_profile.hpp"
#include "npu/genai/llm.hpp"

namespace npu::genai {

struct BenchOptions {
  std::optional<std::uint32_t> prompt_tokens;  // default: one prefill chunk
  std::uint32_t gen_tokens = 32;
  std::uint32_t sessions = 1;  // the LLM given, plus sessions of it from create_session()
  bool timing_only = false;    // the device skips the values (modeled time only)
  bool trace = false;          // also make a Chrome / Perfetto trace (needs a device profile)
};

// One layer's figures per run of its subnet (layer kNoLayer: the ops outside the layers).
struct LayerFigures {
  std::uint32_t layer = kNoLayer;
  double ops = 0, cycles = 0, seconds = 0, compute_cycles = 0, memory_cycles = 0, ddr_bytes = 0, energy_j = 0;
  bool memory_bound = false;
};

struct SessionFigures {
  GenerationStats stats;
  std::chrono::nanoseconds wall{0};  // generate() to the end, host clock
  double host_tokens_per_s = 0;      // generated tokens over `wall`
  // Generated tokens over the device time from the start of the bench to this session's end
  // (deterministic on the simulator; a backend without a device clock reports 0).
  double device_tokens_per_s = 0;
};

struct BenchReport {
  std::vector<SessionFigures> sessions;  // [0] is the LLM given
  std::uint32_t prompt_tokens = 0;
  // From the device profile of device 0 (empty when the device keeps none).
  bool profiled = false;
  std::vector<LayerFigures> prefill_layers, decode_layers;
  std::size_t profile_records = 0;
  std::uint32_t profile_dropped = 0;
  std::string trace_json;  // with BenchOptions::trace
  // Device 0 before and after the generations.
  DeviceStats before, after;
  // With several sessions: Jain's fairness index over their device rates (1 = equal), the
  // device's context switches, and the busy cycles that were not the sessions' own runs.
  double jain_fairness = 1;
  std::uint64_t context_switches = 0;
  std::uint64_t switch_overhead_cycles = 0;
  double switch_overhead_fraction = 0;  // of the device's busy cycles
};

[[nodiscard]] Expected<BenchReport> bench(VDevice& vdevice, LLM& llm, const BenchOptions& options = {});

// The building blocks, for applications that run their own sessions:
// per-layer figures of the op records of one context, per run of it;
[[nodiscard]] std::vector<LayerFigures> layer_figures(std::span<const ProfileRecord> records, std::uint32_t context_id,
                                                      double runs, std::uint32_t clock_khz);
// Jain's fairness index (sum x)^2 / (n sum x^2): 1 when all are equal, 1/n when one gets all.
[[nodiscard]] double jain_fairness(std::span<const double> rates) noexcept;

}  // namespace npu::genai
