// Fault injection for the simulated device: which faults fire, and when.
//
// Syntax (NPU_SIM_FAULTS or FaultPlan::parse): a comma-separated list of `kind@trigger=N`, e.g.
//   NPU_SIM_FAULTS="firmware_crash@run=2,lost_interrupt@mailbox=3"
// kinds:    dma_error       the DMA descriptor being processed (or the next one) ends kTransferError
//           lost_interrupt  the next interrupt latches in IRQ_STATUS but is not delivered
//           firmware_hang   the control core stops answering (no responses, heartbeat stops)
//           firmware_crash  STATUS = kFaulted, ERROR_CODE = kFirmwareCrash, kIrqFault raised
//           device_removal  the device disappears: reads return 0xffffffff, waits fail (lost)
//           memory_error    the next op or DMA hits an uncorrectable DDR error: kFaulted, kMemoryError
// triggers: mailbox=N  the Nth mailbox request (any opcode)      run=N   the Nth RUN request
//           load=N     the Nth LOAD_CONTEXT request                dma=N   the Nth DMA descriptor
//           boot=N     the Nth boot (BOOT_CTRL start)
// An entry may end in /sim:I (e.g. device_removal@run=5/sim:1): it then applies only to simulated
// device I, for a plan shared by several devices (NPU_SIM_FAULTS, read by each one created).
// Counting is 1-based, from device creation or the last set_fault_plan(); device resets do not
// restart it, so a fault fires once and the recovered device then runs normally. A crash, hang or
// removal fires before the triggering request is served.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::sim {

enum class FaultKind : std::uint8_t {
  kDmaError, kLostInterrupt, kFirmwareHang, kFirmwareCrash, kDeviceRemoval, kMemoryError,
};
enum class FaultTrigger : std::uint8_t { kMailbox, kRun, kLoad, kDma, kBoot };
inline constexpr std::size_t kFaultTriggerCount = 5;

struct FaultSpec {
  FaultKind kind = FaultKind::kFirmwareCrash;
  FaultTrigger trigger = FaultTrigger::kMailbox;
  std::uint64_t count = 1;  // fires when the trigger's counter reaches this (1-based)
  std::optional<std::uint32_t> device = std::nullopt;  // only on simulated device `sim:device`

  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

struct FaultPlan {
  std::vector<FaultSpec> faults;

  // kInvalidArgument naming the bad entry and the valid kinds/triggers.
  [[nodiscard]] static Expected<FaultPlan> parse(std::string_view text);
  // The plan in $NPU_SIM_FAULTS (empty when unset).
  [[nodiscard]] static Expected<FaultPlan> from_environment();
  [[nodiscard]] std::string to_string() const;
  // The entries that apply to simulated device `index` (those naming no device, or it).
  [[nodiscard]] FaultPlan for_device(std::uint32_t index) const;
  [[nodiscard]] bool empty() const noexcept { return faults.empty(); }
};

[[nodiscard]] const char* to_string(FaultKind kind) noexcept;
[[nodiscard]] const char* to_string(FaultTrigger trigger) noexcept;

}  // namespace npu::sim
