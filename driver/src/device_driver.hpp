// The concrete Driver: composes boot, interrupt dispatch, mailbox, DMA channels, device memory and
// the context table around one hal::Device, and owns recovery (reset + re-boot + new generation).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "npu/driver/context_table.hpp"
#include "npu/driver/device_memory.hpp"
#include "npu/driver/dma_channel.hpp"
#include "npu/driver/driver.hpp"
#include "npu/driver/firmware_image.hpp"
#include "npu/driver/irq_dispatcher.hpp"
#include "npu/driver/mailbox_client.hpp"

namespace npu::driver {

class DeviceDriver final : public Driver {
 public:
  // Takes the already-created pieces (see Driver::open, the composition root) and boots.
  struct Parts {
    std::unique_ptr<hal::Device> device;
    std::unique_ptr<IrqDispatcher> irq;
    std::unique_ptr<MailboxClient> mailbox;
    std::unique_ptr<DmaChannel> h2d;
    std::unique_ptr<DmaChannel> d2h;
  };
  [[nodiscard]] static Expected<std::unique_ptr<DeviceDriver>> create(Parts parts,
                                                                      FirmwareImage image,
                                                                      const DriverOptions& options);
  ~DeviceDriver() override;

  const DeviceIdentity& identity() const noexcept override { return identity_; }
  std::uint64_t generation() const noexcept override { return generation_.load(); }
  bool present() const noexcept override { return parts_.device->present(); }

  Expected<DeviceAllocation> allocate(std::uint64_t bytes, std::uint64_t alignment) override;
  void release(const DeviceAllocation& allocation) noexcept override;
  std::uint64_t free_device_bytes() const noexcept override;

  Expected<void> write(std::uint64_t device_address, std::span<const std::byte> data) override;
  Expected<void> read(std::uint64_t device_address, std::span<std::byte> data) override;

  Expected<ContextHandle> load_context(const ContextSpec& spec) override;
  Expected<void> unload_context(const ContextHandle& context) override;
  Expected<RunResult> run(const ContextHandle& context, const RunParams& params) override;

  Expected<void> write_weights(std::uint64_t device_address, std::span<const std::byte> data) override;
  Expected<void> model_weight_upload(std::uint64_t device_address, std::uint64_t bytes) override;
  Expected<void> start_profile() override;
  Expected<ProfileData> read_profile(bool stop) override;

  Expected<DeviceStats> stats() override;
  Expected<std::uint64_t> device_cycles() override;
  Expected<void> reset() override;

 private:
  enum class Path { kMailbox, kDma };
  DeviceDriver(Parts parts, FirmwareImage image, const DriverOptions& options);

  // Boot, re-program the rings, identify, reset host bookkeeping. Caller holds state_ exclusively.
  [[nodiscard]] Expected<void> bring_up();
  [[nodiscard]] Expected<void> identify();
  // Arms hang detection when the running firmware has a heartbeat (ABI >= 1.2).
  void watch_heartbeat();
  // Runs `op` under the shared state lock; on an error that leaves the device unusable, recovers
  // (when auto_recover) and returns the error with what happened appended.
  [[nodiscard]] Expected<void> guarded(Path path, const std::function<Expected<void>()>& op);
  [[nodiscard]] bool needs_recovery(Path path, const Error& error);
  [[nodiscard]] Error recover_after(std::uint64_t seen_generation, const Error& cause);
  [[nodiscard]] Expected<void> check_generation(std::uint64_t generation, const char* what) const;
  // Unlocked bodies (caller holds state_ shared).
  [[nodiscard]] Expected<ContextHandle> load_context_locked(const ContextSpec& spec);
  // kUnsupported naming the feature when the running firmware lacks it.
  [[nodiscard]] Expected<void> require_feature(const char* feature, const char* what) const;
  // The firmware features a context program's ops need (kUnsupported naming the first missing).
  [[nodiscard]] Expected<void> check_program_features(std::span<const std::byte> program) const;
  [[nodiscard]] Expected<abi::ProfileResponse> profile_call(const abi::ProfileRequest& request);

  Parts parts_;  // device first: destroyed last
  FirmwareImage image_;
  DriverOptions options_;
  DeviceIdentity identity_;
  std::shared_mutex state_;  // shared: normal operations; exclusive: reset / re-boot
  mutable std::mutex memory_mutex_;
  std::optional<DeviceMemoryAllocator> memory_;
  ContextTable contexts_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> resets_{0};
};

}  // namespace npu::driver
