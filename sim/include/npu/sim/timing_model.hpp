// The simulator's timing seam: the device model (sim/) describes each piece of work — a DMA
// transfer, an op of a context program, a context switch, a mailbox command — as a WorkItem, and
// the TimingModel charges it to the resources it uses (event-driven servers with busy-until
// times, no per-cycle ticking) and returns when it finishes. Deterministic: the same sequence of
// calls gives the same cycles on every machine.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/sim/device_profile.hpp"

namespace npu::sim {

using Cycles = std::uint64_t;

enum class MemLocation : std::uint8_t { kSram, kDdr, kHost };
enum class Precision : std::uint8_t { kInt4, kInt8, kInt16, kFp16, kFp32 };

enum class WorkKind : std::uint8_t {
  kDmaH2D,          // host memory -> device memory over the host link
  kDmaD2H,          // device memory -> host memory over the host link
  kCompute,         // an op of a context program
  kContextSwitch,   // loading a context's configuration and SRAM-resident data
  kControl,         // firmware work on the control core (mailbox command, boot step)
};

// The servers of the timing model. Each is busy until some cycle; an item waits for the servers
// it uses. kPcieLink is the host link (both directions share it: a half-duplex approximation,
// fine because loads are H2D-only and per-token transfers are tiny).
enum class Resource : std::uint8_t {
  kControl, kMac, kVector, kSram, kDdr, kDmaH2D, kDmaD2H, kPcieLink,
};
inline constexpr std::size_t kResourceCount = 8;
[[nodiscard]] const char* to_string(Resource r) noexcept;
[[nodiscard]] const char* to_string(WorkKind k) noexcept;

struct WorkItem {
  WorkKind kind = WorkKind::kCompute;
  std::string label;                 // shows in reports and traces ("gemm_i8 L3.ffn_up")
  // Compute ops:
  std::uint64_t macs = 0;            // multiply-accumulates on the MAC arrays
  Precision precision = Precision::kInt8;
  std::uint64_t vector_ops = 0;      // element-wise work on the vector units (norms, activations...)
  std::uint64_t weight_bytes = 0;    // parameters read
  // Of weight_bytes, the layer parameters (GEMM weights and scales) that a dataflow context must
  // hold in the clusters while the op runs; KV-cache and state streams pass through instead.
  std::uint64_t layer_weight_bytes = 0;
  MemLocation weight_location = MemLocation::kDdr;
  std::uint64_t act_bytes_in = 0;    // activations read
  std::uint64_t act_bytes_out = 0;   // activations written
  MemLocation act_location = MemLocation::kSram;
  // DMA / context switch:
  std::uint64_t bytes = 0;           // bytes moved (DMA) or loaded (context switch)
  std::uint32_t descriptors = 0;     // DMA descriptors processed
  // Control:
  std::uint64_t control_ns = 0;      // fixed firmware latency (0 = the profile's default for kind)
  // Control items with bytes > 0: the control core touches that many bytes (e.g. writing uploaded
  // weights into place) at the profile's placement rate, on top of control_ns.
  std::uint32_t layer = kNoLayer;    // model layer the item belongs to (reports), if any
  static constexpr std::uint32_t kNoLayer = 0xffffffffu;
};

struct Charge {
  Cycles start = 0;
  Cycles end = 0;
  Cycles compute_cycles = 0;     // MAC/vector-array busy time of this item
  Cycles memory_cycles = 0;      // DDR/SRAM/link busy time of this item
  std::uint64_t ddr_bytes = 0;   // device DDR traffic caused
  bool memory_bound = false;     // memory time exceeded compute time
  double energy_j = 0.0;         // dynamic energy of this item
};

// What one WorkItem costs on each resource of a model, before any queueing (TimingModel::cost):
// a pure function of the item's fields (not its label or layer) and the profile. A caller that
// charges the same items again and again (a loaded program's ops, every step) keeps it beside
// the item and charges both, instead of having the cost worked out again.
struct ItemCost {
  Cycles lead = 0;                 // on the control core before the body (dispatch, fixed costs)
  Cycles latency = 0;              // pipeline latency of the body (DDR / link), occupies nothing
  std::array<Cycles, kResourceCount> active{};  // busy cycles per resource in the body
  // Resources held for the whole body even while stalled (the MAC clusters of a memory-bound op,
  // the DMA engine of a transfer).
  std::array<bool, kResourceCount> held{};
  Cycles compute = 0;              // max(MAC, vector)
  Cycles memory = 0;               // max(DDR, SRAM, link)
  std::uint64_t ddr_bytes = 0;
  std::uint64_t link_bytes = 0;
  double energy_j = 0.0;
  // Derived by finish() from the fields above, so that charging does not scan every resource:
  std::uint32_t uses = 0;  // bit r: resource r is active or held in the body
  Cycles body = 0;         // latency + the longest active time

  // Fills `uses` and `body`; call once the fields above are set.
  void finish() noexcept {
    Cycles longest = 0;
    uses = 0;
    for (std::size_t r = 0; r < kResourceCount; ++r) {
      longest = active[r] > longest ? active[r] : longest;
      if (active[r] > 0 || held[r]) uses |= 1u << r;
    }
    body = latency + longest;
  }
};

// Totals since reset.
struct TimingTotals {
  Cycles busy[kResourceCount] = {};  // per resource
  std::uint64_t items = 0;
  std::uint64_t macs = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint64_t link_bytes = 0;
  double dynamic_energy_j = 0.0;
};

class TimingModel {
 public:
  // The event-driven model of the profile; with NPU_SIM_TIMING=null in the environment a null
  // model that charges nothing (for measuring the timing model's host cost; figures are zero).
  [[nodiscard]] static Expected<std::unique_ptr<TimingModel>> create(const DeviceProfile& profile);
  virtual ~TimingModel() = default;

  // Charges `item`, starting no earlier than `ready` and no earlier than the resources it needs
  // are free. DMA items and compute items use different resources and overlap when independent.
  virtual Charge charge(const WorkItem& item, Cycles ready) = 0;
  // What `item` costs on this model before queueing (the default: nothing is known ahead).
  [[nodiscard]] virtual ItemCost cost(const WorkItem& item) {
    (void)item;
    return {};
  }
  // Charges `item` whose cost(item) is `cost` (as cost returned it), computed earlier: exactly
  // what charge(item, ready) does, without working the cost out again. The default ignores `cost`.
  virtual Charge charge(const WorkItem& item, const ItemCost& cost, Cycles ready) {
    (void)cost;
    return charge(item, ready);
  }

  // Latest finish time of everything charged so far (the device cycle counter).
  [[nodiscard]] virtual Cycles now() const noexcept = 0;
  // Cycles during which any resource was busy; per-resource busy totals for utilisation.
  [[nodiscard]] virtual Cycles busy_cycles() const noexcept = 0;
  [[nodiscard]] virtual const DeviceProfile& profile() const noexcept = 0;

  // Per-resource busy cycles, MACs, bytes and dynamic energy since reset.
  [[nodiscard]] virtual const TimingTotals& totals() const noexcept = 0;
  // Static power over [0, now()] plus the dynamic energy of every charge.
  [[nodiscard]] virtual double energy_j() const noexcept = 0;

  // Everything back to cycle 0 (device reset).
  virtual void reset() noexcept = 0;

  // Chrome/Perfetto trace of every charge since reset (or since tracing was enabled).
  virtual void enable_trace(bool on) = 0;
  [[nodiscard]] virtual std::string trace_json() const = 0;

 protected:
  TimingModel() = default;
};

}  // namespace npu::sim
