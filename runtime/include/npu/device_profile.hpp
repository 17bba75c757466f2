// A device profile: what the device recorded while profiling was on (every op, DMA transfer,
// context switch and mailbox command, in device cycles), and what the runtime makes of it: a
// per-layer summary and a Chrome / Perfetto trace (chrome://tracing, ui.perfetto.dev).
// Devices on npustack's device ABI 1.1 (the simulator) record profiles; others report
// kUnsupported when asked for one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace npu {

enum class ProfileKind : std::uint8_t {
  kOp,             // an op of a context program (op, op_index, layer set)
  kDmaH2D,         // one host-to-device DMA descriptor (bytes = its length)
  kDmaD2H,
  kContextSwitch,  // loading a context's configuration / SRAM data
  kMailbox,        // the device's control core serving a host command (op = its name)
};
[[nodiscard]] const char* to_string(ProfileKind kind) noexcept;  // "op", "dma_h2d", ...

inline constexpr std::uint32_t kNoLayer = 0xffffffffu;    // an op outside the model's layers
inline constexpr std::uint32_t kNoContext = 0xffffffffu;  // a record of no context / all contexts

struct ProfileRecord {
  ProfileKind kind = ProfileKind::kOp;
  std::string op;                     // kOp: "linear", "attention", ...; kMailbox: "RUN", ...
  std::uint64_t start_cycle = 0, end_cycle = 0;
  std::uint64_t compute_cycles = 0;   // MAC / vector busy cycles of the work
  std::uint64_t memory_cycles = 0;    // DDR / SRAM / link busy cycles of the work
  std::uint64_t bytes = 0;            // DDR bytes (ops, context switches) or bytes moved (DMA)
  double energy_j = 0;                // dynamic energy of the work
  std::uint32_t context_id = kNoContext;
  std::uint32_t op_index = 0;         // kOp: index in its program
  std::uint32_t layer = kNoLayer;     // kOp: the model layer
  bool memory_bound = false;          // memory time exceeded compute time
};

struct ProfileData {
  std::vector<ProfileRecord> records;  // in the order the device charged them
  std::uint32_t dropped = 0;           // records the device could not keep (buffer full)
  std::uint32_t clock_khz = 0;         // device clock, to turn cycles into time
};

// Sum over the op records of one layer (or of the ops outside layers, layer = kNoLayer).
struct LayerProfile {
  std::uint32_t layer = kNoLayer;
  std::uint64_t ops = 0;
  std::uint64_t cycles = 0;  // sum of op durations
  std::uint64_t compute_cycles = 0;
  std::uint64_t memory_cycles = 0;
  std::uint64_t bytes = 0;   // DDR bytes
  double energy_j = 0;       // dynamic
  [[nodiscard]] bool memory_bound() const noexcept { return memory_cycles > compute_cycles; }
};

// Per-layer sums of the op records of `context_id` (all contexts with kNoContext), by layer
// index; ops outside layers come last as one entry with layer = kNoLayer.
[[nodiscard]] std::vector<LayerProfile> summarize_layers(std::span<const ProfileRecord> records,
                                                         std::uint32_t context_id = kNoContext);

// Chrome trace JSON ({"traceEvents": [...]}), timestamps in microseconds of device time.
// `context_names` names context ids ("prefill", "tbt") on the compute track.
[[nodiscard]] std::string chrome_trace_json(const ProfileData& profile, const std::string& device_name,
                                            std::span<const std::pair<std::uint32_t, std::string>> context_names = {});

}  // namespace npu
