// fw::Platform: everything the firmware (the device-side control program) needs from the chip it
// runs on. The simulator implements it; on an ABI-native accelerator the same firmware would run
// against real registers. The firmware never sees host pointers: host memory is reached only by
// IOVA, device memory only by device address, and all modeled time is charged through here.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "npu_abi/dma.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/program.hpp"

namespace npu::fw {

using Cycles = std::uint64_t;

// What a piece of charged work cost, in device cycles.
struct Cost {
  Cycles start = 0;
  Cycles end = 0;
  Cycles compute_cycles = 0;    // compute-array busy time
  Cycles memory_cycles = 0;     // DMA / DDR / link busy time
  std::uint64_t ddr_bytes = 0;  // device DDR traffic
  double energy_j = 0.0;        // dynamic energy of the work
  bool memory_bound = false;    // memory time exceeded compute time
};

// Fixed facts about the chip (from the device profile in the simulator).
struct HardwareInfo {
  std::uint32_t clock_khz = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint64_t sram_bytes = 0;
  std::uint32_t num_clusters = 0;
  std::uint64_t serial = 0;
  std::string board_name;  // "npustack-sim (hailo10h)"
  std::string profile;     // "hailo10h"
};

enum class DmaDirection : std::uint8_t { kHostToDevice, kDeviceToHost };
enum class ControlTask : std::uint8_t { kBoot, kMailbox };

// One op of a context program, with its operands resolved to device addresses (kNoSegment
// operands have address 0). The firmware has validated every operand range before this.
struct OpRequest {
  const abi::OpDesc* op = nullptr;
  // Unique to one loaded program on this device (every LOAD_CONTEXT gets a new one, never 0):
  // requests with equal program_id and index are the same op of the same program.
  std::uint64_t program_id = 0;
  std::array<std::uint64_t, 4> address{};  // operand device addresses (not resolved for timing-only runs)
  std::uint64_t route_address = 0;         // kMoeLinear: the route table's (scratch + params[1]), likewise
  bool weights_in_sram = false;          // the context keeps its weights segment resident
  // SRAM left for an op's activations once the context's resident data is placed: the compute
  // clusters keep an op's activation tiles on chip when its working set fits, else spill to DDR.
  std::uint64_t activation_sram_bytes = 0;
  bool timing_only = false;              // charge time, skip values (RunFlags::kRunTimingOnly)
  std::span<const std::int32_t> run_params;
  std::uint32_t index = 0;               // op index in the program (for traces)
};

enum class OpStatus : std::uint8_t {
  kOk,
  kExecError,    // the kernel could not run the op (unsupported opcode/shape)
  kMemoryError,  // uncorrectable device-memory error: the device faults
};

struct OpOutcome {
  OpStatus status = OpStatus::kOk;
  Cost cost;
};

// What a batch of timing-only ops came to (Platform::execute_timing_only_ops).
struct OpBatchOutcome {
  std::uint32_t executed = 0;       // ops that finished kOk, from the first
  OpStatus status = OpStatus::kOk;  // of the op after them, which stopped the batch (kOk: none did)
  bool core_stopped = false;        // the control core stopped during the batch
  // Sums over every op charged (the ops that finished and the one that stopped the batch).
  Cycles compute_cycles = 0;
  Cycles memory_cycles = 0;
  std::uint64_t ddr_bytes = 0;
};

struct DmaOutcome {
  abi::DmaStatus status = abi::DmaStatus::kDone;
  Cost cost;  // transfer (and placement) as charged; zero when the descriptor failed early
};

class Platform {
 public:
  virtual ~Platform() = default;
  Platform() = default;
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  [[nodiscard]] virtual const HardwareInfo& hardware() const = 0;

  // BAR0 registers as the device sees them (it may write RO-for-host registers such as HEAD,
  // STATUS, ERROR_CODE, FW_VERSION).
  [[nodiscard]] virtual std::uint32_t read_reg(std::uint32_t offset) = 0;
  virtual void write_reg(std::uint32_t offset, std::uint32_t value) = 0;
  virtual void raise_irq(std::uint32_t bits) = 0;
  [[nodiscard]] virtual abi::MboxMessage read_mailbox_request() = 0;
  virtual void write_mailbox_response(const abi::MboxMessage& message) = 0;

  // Host memory by IOVA; false when [iova, iova + size) is not mapped for the device.
  [[nodiscard]] virtual bool read_host(std::uint64_t iova, std::span<std::byte> out) = 0;
  [[nodiscard]] virtual bool write_host(std::uint64_t iova, std::span<const std::byte> in) = 0;
  // Device memory; false when the range is outside it.
  [[nodiscard]] virtual bool read_device(std::uint64_t address, std::span<std::byte> out) = 0;

  // The DMA engine: performs one validated descriptor's copy and charges it (honouring kDmaPlace
  // and kDmaNoData). Returns kDone or the error status to write back into the descriptor.
  [[nodiscard]] virtual DmaOutcome dma_transfer(DmaDirection direction,
                                                const abi::DmaDescriptor& descriptor) = 0;
  // The compute clusters: runs (or, timing-only, just charges) one op.
  [[nodiscard]] virtual OpOutcome execute_op(const OpRequest& request) = 0;
  // The ops of a timing-only run in one call: ops[k] is charged as execute_op(request) would with
  // request.op = &ops[k] and request.index = first index + k, in order, stopping after the first
  // op that does not finish kOk (or when the core stops). Op k's cost goes to costs[k] when
  // `costs` is not empty (it then has ops.size() entries). Same cycles as op by op; a platform
  // overrides it to charge a whole run without a call per op.
  [[nodiscard]] virtual OpBatchOutcome execute_timing_only_ops(OpRequest request, std::span<const abi::OpDesc> ops,
                                                               std::span<Cost> costs) {
    OpBatchOutcome out;
    const std::uint32_t first = request.index;
    for (std::size_t k = 0; k < ops.size(); ++k) {
      request.op = &ops[k];
      request.index = first + static_cast<std::uint32_t>(k);
      const OpOutcome r = execute_op(request);
      if (!core_running()) {
        out.core_stopped = true;
        return out;
      }
      if (!costs.empty()) costs[k] = r.cost;
      out.compute_cycles += r.cost.compute_cycles;
      out.memory_cycles += r.cost.memory_cycles;
      out.ddr_bytes += r.cost.ddr_bytes;
      if (r.status != OpStatus::kOk) {
        out.status = r.status;
        return out;
      }
      ++out.executed;
    }
    return out;
  }

  // Modeled time.
  virtual Cost charge_control(ControlTask task) = 0;
  virtual Cost charge_context_load(std::uint64_t bytes, std::string_view label) = 0;
  [[nodiscard]] virtual Cycles now() const = 0;
  [[nodiscard]] virtual Cycles busy_cycles() const = 0;
  // Energy since reset: static power over [0, now()] plus every charge's dynamic energy, and the
  // dynamic part alone (0 on a platform without an energy model).
  [[nodiscard]] virtual double energy_j() const { return 0.0; }
  [[nodiscard]] virtual double dynamic_energy_j() const { return 0.0; }

  // False once the control core stopped (crash, hang, removal): long loops check it and bail out.
  [[nodiscard]] virtual bool core_running() const = 0;
};

}  // namespace npu::fw
