#include "device_driver.hpp"

#include <fmt/format.h>

#include "npu/common/log.hpp"
#include "npu/driver/abi_compat.hpp"
#include "npu/driver/boot.hpp"
#include "npu/driver/error_text.hpp"
#include "npu_abi/regs.hpp"
#include "npu_abi/version.hpp"

namespace npu::driver {

namespace reg = abi::reg;

namespace {
std::string fixed_string(const char* chars, std::size_t max) {
  std::size_t n = 0;
  while (n < max && chars[n] != '\0') ++n;
  return std::string(chars, n);
}
}  // namespace

Expected<std::unique_ptr<DeviceDriver>> DeviceDriver::create(Parts parts, FirmwareImage image,
                                                             const DriverOptions& options) {
  std::unique_ptr<DeviceDriver> d(new DeviceDriver(std::move(parts), std::move(image), options));
  {
    std::unique_lock lock(d->state_);
    NPU_TRY(d->bring_up());
  }
  return d;
}

DeviceDriver::DeviceDriver(Parts parts, FirmwareImage image, const DriverOptions& options)
    : parts_(std::move(parts)), image_(std::move(image)), options_(options) {
  identity_.info = parts_.device->info();
}

DeviceDriver::~DeviceDriver() = default;

Expected<void> DeviceDriver::bring_up() {
  parts_.irq->watch_heartbeat(std::chrono::milliseconds(0));  // no heartbeat until it runs
  NPU_TRY(boot_device(*parts_.device, *parts_.irq, image_, options_.boot_timeout));
  parts_.h2d->reprogram();
  parts_.d2h->reprogram();
  NPU_TRY(identify());
  watch_heartbeat();
  {
    std::lock_guard lock(memory_mutex_);
    NPU_TRY_ASSIGN(auto allocator, DeviceMemoryAllocator::create(0, identity_.ddr_bytes));
    memory_.emplace(std::move(allocator));
  }
  contexts_.reset(identity_.max_contexts);
  return {};
}

Expected<void> DeviceDriver::identify() {
  NPU_TRY_ASSIGN(auto r, parts_.mailbox->call<abi::IdentifyResponse>(abi::MboxOpcode::kIdentify,
                                                                     options_.mailbox_timeout));
  if (r.device_magic != abi::kDeviceMagic) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("IDENTIFY returned device magic 0x{:08x} (expected 0x{:08x}); the "
                            "firmware is not npustack's: check the firmware image",
                            r.device_magic, abi::kDeviceMagic));
  }
  NPU_TRY(check_abi_compatible(r.abi_version, "the running firmware"));
  if (r.ddr_bytes == 0 || r.max_contexts == 0) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("IDENTIFY reports {} bytes of device memory and {} contexts; the "
                            "device is unusable, check its profile",
                            r.ddr_bytes, r.max_contexts));
  }
  identity_.abi_version = r.abi_version;
  identity_.fw_version = r.fw_version;
  identity_.fw_build_id = fixed_string(r.fw_build_id, sizeof r.fw_build_id);
  identity_.clock_khz = r.clock_khz;
  identity_.ddr_bytes = r.ddr_bytes;
  identity_.sram_bytes = r.sram_bytes;
  identity_.num_clusters = r.num_clusters;
  identity_.max_contexts = r.max_contexts;
  identity_.serial = r.serial;
  identity_.board_name = fixed_string(r.board_name, sizeof r.board_name);
  identity_.profile = fixed_string(r.profile, sizeof r.profile);
  return {};
}

void DeviceDriver::watch_heartbeat() {
  if (!abi_supports(identity_.abi_version, "watchdog.heartbeat")) return;  // older firmware
  const std::chrono::microseconds period(parts_.device->read32(reg::kHeartbeatPeriodUs));
  if (period.count() == 0) return;
  // A few periods at least: one late beat is not a hang.
  const auto floor = std::chrono::ceil<std::chrono::milliseconds>(4 * period);
  parts_.irq->watch_heartbeat(std::max(options_.hang_timeout, floor));
}

bool DeviceDriver::needs_recovery(Path path, const Error& error) {
  switch (error.code()) {
    case ErrorCode::kTimeout:
      return true;
    case ErrorCode::kDeviceError:
      if (path == Path::kDma) return true;
      return static_cast<abi::DeviceState>(parts_.device->read32(reg::kStatus)) !=
             abi::DeviceState::kAlive;
    default:
      return false;
  }
}

Error DeviceDriver::recover_after(std::uint64_t seen_generation, const Error& cause) {
  std::unique_lock lock(state_);
  if (generation_.load() != seen_generation) {  // another thread already recovered
    return cause.with_context(fmt::format("device was reset (now generation {})", generation_.load()));
  }
  if (!parts_.device->present()) {
    return Error(ErrorCode::kDeviceLost,
                 fmt::format("{}; device {} is gone, reconnect it and open it again",
                             cause.message(), parts_.device->info().id));
  }
  log().warn("device {}: {} -> resetting and re-booting", parts_.device->info().id, cause.what());
  ++resets_;
  ++generation_;
  if (auto r = bring_up(); !r) {
    return Error(cause.code(), fmt::format("{}; automatic recovery failed: {}", cause.message(),
                                           r.error().what()));
  }
  return Error(cause.code(),
               fmt::format("{}; the device was reset and re-booted (generation {}): load contexts "
                           "and device buffers again",
                           cause.message(), generation_.load()));
}

Expected<void> DeviceDriver::guarded(Path path, const std::function<Expected<void>()>& op) {
  std::uint64_t seen = 0;
  Expected<void> result;
  {
    std::shared_lock lock(state_);
    seen = generation_.load();
    result = op();
  }
  if (result || !options_.auto_recover || !needs_recovery(path, result.error())) return result;
  return fail(recover_after(seen, result.error()));
}

Expected<void> DeviceDriver::reset() {
  std::unique_lock lock(state_);
  if (!parts_.device->present()) {
    return fail(ErrorCode::kDeviceLost, fmt::format("device {} is gone; reconnect it and open it "
                                                    "again",
                                                    parts_.device->info().id));
  }
  ++resets_;
  ++generation_;
  return bring_up();
}

Expected<void> DeviceDriver::check_generation(std::uint64_t generation, const char* what) const {
  if (generation == generation_.load()) return {};
  return fail(ErrorCode::kNotFound,
              fmt::format("{} was made before the device was reset (generation {}, now {}); "
                          "create it again",
                          what, generation, generation_.load()));
}

Expected<DeviceAllocation> DeviceDriver::allocate(std::uint64_t bytes, std::uint64_t alignment) {
  std::shared_lock lock(state_);
  std::lock_guard mlock(memory_mutex_);
  if (!memory_) {
    return fail(ErrorCode::kDeviceError, "the device is not running (a re-boot failed); call "
                                         "Driver::reset() or open the device again");
  }
  NPU_TRY_ASSIGN(const std::uint64_t addr, memory_->allocate(bytes, alignment));
  return DeviceAllocation{addr, memory_->size_of(addr), generation_.load()};
}

void DeviceDriver::release(const DeviceAllocation& allocation) noexcept {
  std::shared_lock lock(state_);
  if (allocation.generation != generation_.load()) return;  // device memory was wiped by a reset
  std::lock_guard mlock(memory_mutex_);
  if (!memory_) return;
  if (auto r = memory_->release(allocation.address); !r) {
    log().warn("Driver::release: {}", r.error().message());
  }
}

std::uint64_t DeviceDriver::free_device_bytes() const noexcept {
  std::lock_guard mlock(memory_mutex_);
  return memory_ ? memory_->stats().free_bytes : 0;
}

Expected<void> DeviceDriver::write(std::uint64_t device_address, std::span<const std::byte> data) {
  return guarded(Path::kDma, [&] { return parts_.h2d->write(device_address, data); });
}

Expected<void> DeviceDriver::read(std::uint64_t device_address, std::span<std::byte> data) {
  return guarded(Path::kDma, [&] { return parts_.d2h->read(device_address, data); });
}

Expected<std::uint64_t> DeviceDriver::device_cycles() {
  std::shared_lock lock(state_);
  if (!parts_.device->present()) {
    return fail(ErrorCode::kDeviceLost, fmt::format("device {} is gone", parts_.device->info().id));
  }
  const std::uint64_t lo = parts_.device->read32(reg::kCyclesLo);  // latches HI
  const std::uint64_t hi = parts_.device->read32(reg::kCyclesHi);
  return (hi << 32) | lo;
}

}  // namespace npu::driver
