// A device profile: every number the simulator needs about a device, loaded from a JSON file in
// profiles/ (installed with the project). Each field in the file carries a "why" note explaining
// where its value comes from (published fact, derivation, or calibration).
//
// File format: {"name": "...", "description": "...", "base": "<optional profile to start from>",
//               "params": {"<field>": {"value": <number or string>, "why": "<reason>"}, ...}}
// Every field below must be present once "base" (if any) has been applied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "npu/common/error.hpp"

namespace npu::sim {

struct DeviceProfile {
  std::string name;                    // "hailo10h"
  std::string description;
  // Compute
  double clock_hz = 0;
  std::uint32_t clusters = 0;
  double int4_ops_per_s = 0;           // dense peak (2 ops per MAC)
  double int8_ops_per_s = 0;
  double vector_ops_per_s = 0;         // element-wise units
  double compute_efficiency = 1.0;     // sustained / peak for GEMM-like ops
  // Memory
  std::uint64_t sram_bytes = 0;
  std::uint64_t ddr_bytes = 0;
  double ddr_peak_bytes_per_s = 0;
  double ddr_efficiency = 1.0;         // sustained / peak for streaming reads
  double ddr_latency_ns = 0;
  double sram_bytes_per_s = 0;
  // Host link
  std::string link_name;               // "PCIe Gen3 x4"
  double link_bytes_per_s = 0;         // effective payload bandwidth
  double link_latency_ns = 0;          // per DMA transaction
  // Control core / firmware
  double mailbox_latency_ns = 0;
  double op_dispatch_ns = 0;           // per program op
  double context_switch_fixed_ns = 0;  // per context switch, plus its bytes over DMA
  double boot_ns = 0;
  // Power
  double static_power_w = 0;
  double energy_per_int8_mac_j = 0;
  double energy_per_int4_mac_j = 0;
  double energy_per_ddr_byte_j = 0;

  // Added with the calibrated model (all required in profile files):
  double dma_descriptor_ns = 0;        // DMA engine time per descriptor (pipelined with data)
  double placement_bytes_per_s = 0;    // firmware writing uploaded weights into place in DDR
  std::uint64_t load_chunk_bytes = 0;  // weight upload chunk (one staging buffer)
  std::uint32_t load_staging_buffers = 0;  // chunks in flight during a weight upload
  std::uint64_t context_config_bytes = 0;  // configuration of one context (programs, tables)
  double energy_per_vector_op_j = 0;
  double energy_per_sram_byte_j = 0;
  double energy_per_link_byte_j = 0;
  double typical_power_w = 0;          // published typical power (used by sanity checks only)
  // Dataflow partitioning: a program whose layer weights exceed what the clusters hold at once runs
  // as a sequence of hardware contexts, each reconfigured before it runs.
  std::uint64_t context_weight_bytes = 0;  // layer weights one hardware context holds on chip
  double context_reconfig_ns = 0;          // reconfiguring the clusters between two of them
  // Static shapes: 1 = every attention run reads and computes over its whole compiled KV window (the
  // cache's capacity; a local layer's full window) whatever the position, as a network compiled with
  // static shapes does; 0 = it reads positions 0..p only.
  std::uint32_t attention_static_kv_window = 0;
  // What the modeled figures rest on: their relative uncertainty and the evidence, for reports.
  double timing_spread = 0;
  std::string timing_evidence;

  // The "why" note of every field, by field name (for reports and `npu` tooling).
  std::map<std::string, std::string, std::less<>> why;

  // "hailo10h", a file path, or a name found in $NPU_PROFILE_DIR / the build or install dir.
  [[nodiscard]] static Expected<DeviceProfile> load(const std::string& name_or_path);
  [[nodiscard]] static Expected<DeviceProfile> parse(std::string_view json_text,
                                                     const std::string& origin);
  // The file `load` would read for `name_or_path`, or kNotFound listing the places searched.
  [[nodiscard]] static Expected<std::filesystem::path> find(const std::string& name_or_path);

  // Cycles of `seconds` at clock_hz, rounded up (the one rounding rule of the timing model).
  [[nodiscard]] std::uint64_t cycles(double seconds) const noexcept;
  [[nodiscard]] double seconds(std::uint64_t cycles) const noexcept { return cycles / clock_hz; }
};

}  // namespace npu::sim
