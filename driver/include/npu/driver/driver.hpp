// npu::driver::Driver: everything the host does to one device through a hal::Device — boot and
// firmware upload, the mailbox, H2D/D2H DMA rings, device memory, contexts, reset and recovery.
// Thread-safe: mailbox requests and DMA transfers from several threads are serialized inside.
//
// Recovery: when the device faults, hangs or loses an interrupt the call that noticed returns an
// error saying what happened, and the driver resets and re-boots the device before returning. A
// hang is noticed by the firmware's heartbeat standing still (DriverOptions::hang_timeout).
// Everything on the device is then gone; generation() increments, and owners of contexts and
// device allocations made under an older generation must re-create them.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "npu/common/error.hpp"
#include "npu/driver/profile_data.hpp"
#include "npu/hal/device.hpp"
#include "npu_abi/dma.hpp"
#include "npu_abi/mailbox.hpp"

namespace npu::driver {

struct DriverOptions {
  // Firmware image to upload; empty = search $NPU_FIRMWARE_DIR, the build tree, the install dir.
  std::filesystem::path firmware_path;
  std::chrono::milliseconds boot_timeout{5000};
  std::chrono::milliseconds mailbox_timeout{2000};
  std::chrono::milliseconds dma_timeout{5000};
  // RUN timeout. With firmware ABI >= 1.2 it bounds the time between two completed ops of the RUN
  // (RUN_PROGRESS), so it scales with the work: a long prefill that keeps finishing ops is never
  // cut short. Older firmware: the limit for the whole RUN.
  std::chrono::milliseconds run_timeout{60000};
  // Hang detection (firmware ABI >= 1.2, "watchdog.heartbeat"): a heartbeat that stands still this
  // long (at least 4 of the firmware's periods) means the firmware hung; the waiting call fails
  // with kTimeout at once and the device is reset, instead of waiting out the timeouts above.
  std::chrono::milliseconds hang_timeout{250};
  std::uint32_t ring_entries = 256;      // per DMA ring, power of two
  std::size_t staging_bytes = 4u << 20;  // DMA-able bounce buffer per direction
  bool auto_recover = true;              // reset + re-boot after a fault
  // Largest transfer per DMA descriptor (<= abi::kMaxDmaLength); smaller values split transfers
  // into more descriptors (tests use it to exercise ring wrap-around).
  std::uint32_t max_descriptor_bytes = abi::kMaxDmaLength;
  // Waiters re-check the device state this often, so a lost interrupt costs at most this delay.
  std::chrono::milliseconds irq_poll_interval{10};
};

struct DeviceIdentity {
  hal::DeviceInfo info;
  std::uint32_t abi_version = 0;
  std::uint32_t fw_version = 0;
  std::string fw_build_id;
  std::uint32_t clock_khz = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint64_t sram_bytes = 0;
  std::uint32_t num_clusters = 0;
  std::uint32_t max_contexts = 0;
  std::uint64_t serial = 0;
  std::string board_name;
  std::string profile;
};

// A block of device memory; released by Driver::release (owners usually wrap it in RAII).
struct DeviceAllocation {
  std::uint64_t address = 0;
  std::uint64_t size = 0;
  std::uint64_t generation = 0;  // driver generation it was made in
};

struct ContextSpec {
  std::span<const std::byte> program;  // ProgramHeader + ops (program.hpp)
  std::array<DeviceAllocation, abi::kMaxSegments> segments{};  // indexed by abi::Segment
  std::uint32_t num_segments = 0;
  std::uint64_t sram_bytes = 0;
};

struct ContextHandle {
  std::uint32_t id = 0;
  std::uint64_t generation = 0;
  std::uint32_t num_ops = 0;
  std::uint64_t load_cycles = 0;
};

struct RunParams {
  std::uint32_t first_op = 0;
  std::uint32_t num_ops = 0;           // 0 = to the end
  bool timing_only = false;
  std::array<std::int32_t, 8> params{};
};

struct RunResult {
  std::uint64_t start_cycle = 0;
  std::uint64_t end_cycle = 0;
  std::uint64_t compute_cycles = 0;
  std::uint64_t dma_cycles = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint32_t ops_executed = 0;
  double energy_j = 0;  // energy of the run (firmware ABI >= 1.1; 0 from older firmware)
};

struct DeviceStats {
  std::uint64_t cycles = 0;
  std::uint64_t busy_cycles = 0;
  std::uint64_t runs = 0;
  std::uint64_t context_switches = 0;
  std::uint64_t h2d_bytes = 0;
  std::uint64_t d2h_bytes = 0;
  std::uint64_t ddr_bytes = 0;
  std::uint64_t mailbox_requests = 0;
  std::uint32_t contexts_loaded = 0;
  double energy_j = 0;          // since the device's last reset (firmware ABI >= 1.1, else 0)
  double dynamic_energy_j = 0;  // the part of it caused by work (the rest is static power)
  std::uint64_t resets = 0;  // host side: recoveries performed by this driver
  // Host side, below: what the driver itself observed.
  std::uint64_t lost_interrupts = 0;       // completions noticed by polling, not by interrupt
  std::uint64_t interrupts = 0;            // interrupts serviced
  std::uint64_t device_memory_free = 0;    // bytes free in the device-memory allocator
  std::uint64_t device_memory_largest_free = 0;
  double device_memory_fragmentation = 0;  // 1 - largest free block / free bytes
  std::uint64_t h2d_descriptors = 0;       // DMA descriptors submitted per ring
  std::uint64_t d2h_descriptors = 0;
  std::uint64_t dma_ring_full_waits = 0;   // times a transfer waited for a free ring slot
};

class Driver {
 public:
  // Boots the device (uploads the firmware over DMA, waits for "alive", checks the ABI, identifies).
  [[nodiscard]] static Expected<std::unique_ptr<Driver>> open(std::unique_ptr<hal::Device> device,
                                                              const DriverOptions& options = {});
  virtual ~Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  [[nodiscard]] virtual const DeviceIdentity& identity() const noexcept = 0;
  [[nodiscard]] virtual std::uint64_t generation() const noexcept = 0;
  // False once the device is gone (unplugged, surprise removal): every operation then fails with
  // kDeviceLost, and no reset brings it back.
  [[nodiscard]] virtual bool present() const noexcept = 0;

  // Device memory (first-fit allocator over the device's DDR).
  [[nodiscard]] virtual Expected<DeviceAllocation> allocate(std::uint64_t bytes,
                                                            std::uint64_t alignment = 4096) = 0;
  virtual void release(const DeviceAllocation& allocation) noexcept = 0;
  [[nodiscard]] virtual std::uint64_t free_device_bytes() const noexcept = 0;

  // DMA between host memory and device memory (split into ring descriptors, staged as needed).
  [[nodiscard]] virtual Expected<void> write(std::uint64_t device_address,
                                             std::span<const std::byte> data) = 0;
  [[nodiscard]] virtual Expected<void> read(std::uint64_t device_address,
                                            std::span<std::byte> data) = 0;

  // Contexts (compiled subnets). The program is DMA'd into device memory by the driver.
  [[nodiscard]] virtual Expected<ContextHandle> load_context(const ContextSpec& spec) = 0;
  [[nodiscard]] virtual Expected<void> unload_context(const ContextHandle& context) = 0;
  [[nodiscard]] virtual Expected<RunResult> run(const ContextHandle& context,
                                                const RunParams& params = {}) = 0;

  // Model weights (firmware ABI >= 1.1, "dma.place"): written like write(), and the device then
  // places them into its own layout, which is part of the modeled load time. Older firmware: a
  // plain write().
  [[nodiscard]] virtual Expected<void> write_weights(std::uint64_t device_address,
                                                     std::span<const std::byte> data) {
    return write(device_address, data);
  }
  // Timing only: the device charges the upload (and placement) of `bytes` of weights without any
  // data moving, for models whose weight values were never generated. kUnsupported before 1.1.
  [[nodiscard]] virtual Expected<void> model_weight_upload(std::uint64_t device_address,
                                                           std::uint64_t bytes) {
    (void)device_address;
    (void)bytes;
    return fail(ErrorCode::kUnsupported, "this driver cannot model weight uploads");
  }

  // Device profiling (firmware ABI >= 1.1, "mailbox.profile"; kUnsupported before): start()
  // clears the device's record buffer and records every op, DMA descriptor, context switch and
  // mailbox command from then on; read_profile() fetches the records (and stops recording).
  [[nodiscard]] virtual Expected<void> start_profile() {
    return fail(ErrorCode::kUnsupported, "this driver cannot profile the device");
  }
  [[nodiscard]] virtual Expected<ProfileData> read_profile(bool stop = true) {
    (void)stop;
    return fail(ErrorCode::kUnsupported, "this driver cannot profile the device");
  }

  [[nodiscard]] virtual Expected<DeviceStats> stats() = 0;
  [[nodiscard]] virtual Expected<std::uint64_t> device_cycles() = 0;

  // Reset and re-boot now (also done automatically after faults when auto_recover is set).
  [[nodiscard]] virtual Expected<void> reset() = 0;

 protected:
  Driver() = default;
};

}  // namespace npu::driver
