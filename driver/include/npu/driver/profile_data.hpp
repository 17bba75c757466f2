// What the device's profile records (npu_abi ProfileRecord, ABI 1.1) say, on the host: the raw
// records, a per-op / per-layer summary (cycles, bytes, energy, compute- vs memory-bound) and a
// Chrome / Perfetto trace of them (DMA, compute, context switches and host interactions as tracks;
// loads in chrome://tracing and ui.perfetto.dev).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "npu_abi/mailbox.hpp"

namespace npu::driver {

struct ProfileData {
  std::vector<abi::ProfileRecord> records;  // in the order the device charged them
  std::uint32_t dropped = 0;                // records the device could not keep (buffer full)
  std::uint32_t clock_khz = 0;              // device clock, to turn cycles into time
};

// Sum over the op records of one layer (or of the ops outside layers, layer = kProfileNoLayer).
struct LayerProfile {
  std::uint32_t layer = abi::kProfileNoLayer;
  std::uint64_t ops = 0;
  std::uint64_t cycles = 0;          // sum of op durations
  std::uint64_t compute_cycles = 0;
  std::uint64_t memory_cycles = 0;
  std::uint64_t bytes = 0;           // DDR bytes
  double energy_j = 0;               // dynamic
  [[nodiscard]] bool memory_bound() const noexcept { return memory_cycles > compute_cycles; }
};

// Per-layer sums of the op records of `context_id` (all contexts when 0xffffffff), by layer
// index; ops without a layer tag come last as one entry with layer = kProfileNoLayer.
[[nodiscard]] std::vector<LayerProfile> summarize_layers(std::span<const abi::ProfileRecord> records,
                                                         std::uint32_t context_id = 0xffffffffu);

// Names for reports: "dma_h2d", "op", ... (op names: abi::op_name in npu_abi/program.hpp).
[[nodiscard]] const char* profile_kind_name(std::uint16_t kind) noexcept;

// Chrome trace JSON ({"traceEvents": [...]}), timestamps in microseconds of device time.
// `context_names` names context ids on the compute track ("prefill", "tbt"), when known.
[[nodiscard]] std::string chrome_trace_json(const ProfileData& profile, const std::string& device_name,
                                            std::span<const std::pair<std::uint32_t, std::string>> context_names = {});

}  // namespace npu::driver
