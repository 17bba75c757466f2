// npu::sim::SimDevice: the simulated NPU as a host sees it over PCIe — a BAR0 register file
// (npu_abi/regs.hpp), an IOVA table through which the device reaches host memory, an interrupt
// line, and function-level reset. Inside: sparse device DDR, a DMA engine, bit-exact compute
// kernels, the timing model, and a control core running the firmware (npu_firmware): completion
// is signalled with interrupts, as on hardware (see SimConfig::steps_in_host_thread for which
// thread runs a step).
// Reached only through hal's sim backend; tests of the device model use it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "npu/common/error.hpp"
#include "npu/sim/device_profile.hpp"
#include "npu/sim/fault_plan.hpp"
#include "npu/sim/timing_model.hpp"

namespace npu::sim {

struct SimConfig {
  DeviceProfile profile;
  std::uint32_t index = 0;  // the N of "sim:N"; seeds the serial number
  FaultPlan faults;
  // A doorbell (or BOOT_CTRL) write that finds the control core idle runs the firmware's step in
  // the writing thread, so the write returns with the command done (as a device that answers
  // before the host looks would); one that finds it busy is queued for the control-core thread,
  // and so is a RUN that computes values (it may be long: the host bounds it while it runs).
  // False: every step runs on the control-core thread and a doorbell write returns at once
  // (NPU_SIM_CONTROL_CORE=thread). Cycle counts are the same either way.
  bool steps_in_host_thread = true;
};

enum class WaitResult : std::uint8_t { kInterrupt, kTimeout, kRemoved };

class SimDevice {
 public:
  // Starts the control core. The timing model must be built from the same profile.
  [[nodiscard]] static Expected<std::shared_ptr<SimDevice>> create(SimConfig config,
                                                                   std::unique_ptr<TimingModel> timing);
  virtual ~SimDevice() = default;
  SimDevice(const SimDevice&) = delete;
  SimDevice& operator=(const SimDevice&) = delete;

  // BAR0. Reads of a removed device, of unaligned or out-of-range offsets return 0xffffffff.
  [[nodiscard]] virtual std::uint32_t read32(std::uint32_t offset) = 0;
  virtual void write32(std::uint32_t offset, std::uint32_t value) = 0;

  // The interrupt line: one remembered edge; kRemoved once the device is gone.
  [[nodiscard]] virtual WaitResult wait_interrupt(std::chrono::milliseconds timeout) = 0;

  // Function-level reset (same as writing kResetMagic to RESET): back to kWaitFirmware, device
  // memory, contexts, rings, interrupts and modeled time cleared; host mappings kept. Waits for
  // the control core to finish the step it is in. No effect on a removed device.
  virtual void reset() = 0;
  [[nodiscard]] virtual bool present() const noexcept = 0;

  // Host memory the device may reach: returns the IOVA of [host, host + bytes) (page-aligned).
  [[nodiscard]] virtual std::uint64_t map_host(std::byte* host, std::size_t bytes) = 0;
  virtual void unmap_host(std::uint64_t iova) = 0;

  // Replaces the fault plan and restarts its counters.
  virtual void set_fault_plan(FaultPlan plan) = 0;

  // Introspection (tests, tools): modeled cycles, bytes of DDR backing allocated so far, trace.
  [[nodiscard]] virtual Cycles cycles() const noexcept = 0;
  [[nodiscard]] virtual std::uint64_t ddr_resident_bytes() const = 0;
  virtual void enable_trace(bool on) = 0;
  [[nodiscard]] virtual std::string trace_json() = 0;
  [[nodiscard]] virtual const DeviceProfile& profile() const noexcept = 0;
  // Host time the control core spent since the device was created: the CPU time of the
  // control-core thread (its steps and wake-ups) plus the wall time of the steps run in host
  // threads — running firmware steps (boot, mailbox commands, DMA rings, the ops of every RUN),
  // the simulator's own cost without the host stack around it (bench_sim_speed divides modeled
  // time by it).
  [[nodiscard]] virtual std::uint64_t control_core_host_ns() const noexcept = 0;

 protected:
  SimDevice() = default;
};

}  // namespace npu::sim
