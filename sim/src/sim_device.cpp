// SimDevice creation and the host-facing side: BAR0 reads/writes, the interrupt line, reset.
#include <cstddef>
#include <cstring>
#include <fmt/format.h>

#include "npu/common/log.hpp"
#include "npu/common/page.hpp"
#include "npu_abi/version.hpp"
#include "sim_device_impl.hpp"

namespace npu::sim {

namespace reg = abi::reg;

Expected<std::shared_ptr<SimDevice>> SimDevice::create(SimConfig config, std::unique_ptr<TimingModel> timing) {
  if (!timing) return fail(ErrorCode::kInvalidArgument, "SimDevice::create needs a timing model");
  const DeviceProfile& p = config.profile;
  if (p.clock_hz <= 0 || p.ddr_bytes == 0 || p.clusters == 0)
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device profile '{}' needs clock_hz, ddr_bytes and clusters > 0", p.name));
  return std::make_shared<SimDeviceImpl>(std::move(config), std::move(timing));
}

SimDeviceImpl::SimDeviceImpl(SimConfig config, std::unique_ptr<TimingModel> timing)
    : config_(std::move(config)),
      timing_(std::move(timing)),
      ddr_(config_.profile.ddr_bytes),
      iova_(host_page_size()),
      firmware_(*this) {
  hw_.clock_khz = static_cast<std::uint32_t>(config_.profile.clock_hz / 1000.0);
  hw_.ddr_bytes = config_.profile.ddr_bytes;
  hw_.sram_bytes = config_.profile.sram_bytes;
  hw_.num_clusters = config_.profile.clusters;
  hw_.serial = (std::uint64_t{abi::kDeviceMagic} << 32) | config_.index;
  hw_.board_name = fmt::format("npustack-sim ({})", config_.profile.name);
  hw_.profile = config_.profile.name;
  faults_.set_plan(config_.faults);
  {
    std::lock_guard lock(mutex_);
    init_registers();
  }
  core_ = std::thread([this] { control_loop(); });
}

SimDeviceImpl::~SimDeviceImpl() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  core_cv_.notify_all();
  core_.join();
}

void SimDeviceImpl::init_registers() {
  regs_.fill(0);
  run_progress_.store(0);
  regs_[reg::kId / 4] = abi::kDeviceMagic;
  regs_[reg::kAbiVersion / 4] = abi::kAbiVersion;
  regs_[reg::kStatus / 4] = static_cast<std::uint32_t>(abi::DeviceState::kWaitFirmware);
  regs_[reg::kClockKhz / 4] = hw_.clock_khz;
  regs_[reg::kDdrSizeMb / 4] = static_cast<std::uint32_t>(hw_.ddr_bytes >> 20);
  regs_[reg::kSramSizeKb / 4] = static_cast<std::uint32_t>(hw_.sram_bytes >> 10);
  cycles_hi_latch_ = 0;
  beats_ = 0;
  beat_since_.reset();
  pending_ = 0;
  computing_ = false;
  irq_edge_ = false;
  lose_next_irq_ = false;
}

std::uint32_t SimDeviceImpl::read32(std::uint32_t offset) {
  if (removed_.load() || offset % 4 != 0 || offset >= reg::kBar0Size) return 0xffffffffu;
  if (offset == reg::kRunProgress) return run_progress_.load(std::memory_order_acquire);
  std::lock_guard lock(mutex_);
  switch (offset) {
    case reg::kCyclesLo: {
      const Cycles c = cycles_.load();
      cycles_hi_latch_ = static_cast<std::uint32_t>(c >> 32);
      return static_cast<std::uint32_t>(c);
    }
    case reg::kCyclesHi: return cycles_hi_latch_;
    case reg::kHeartbeat: return heartbeat_locked();
    case reg::kDoorbell: case reg::kReset: case reg::kBootCtrl: return 0;  // write-only
    default: return regs_[offset / 4];
  }
}

bool SimDeviceImpl::deliver_irq_locked(std::uint32_t bits) {
  if ((bits & regs_[reg::kIrqMask / 4]) == 0) return false;
  if (lose_next_irq_) {
    lose_next_irq_ = false;
    log().debug("sim: interrupt {:#x} lost (injected)", bits);
    return false;
  }
  irq_edge_ = true;
  return true;
}

void SimDeviceImpl::write32(std::uint32_t offset, std::uint32_t value) {
  if (removed_.load() || offset % 4 != 0 || offset >= reg::kBar0Size) return;
  if (offset == reg::kReset) {
    if (value == reg::kResetMagic) reset();
    return;
  }
  std::unique_lock lock(mutex_);
  const auto in_ring = [&](std::uint32_t block) { return offset >= block && offset < block + 0x20; };
  switch (offset) {
    case reg::kIrqStatus: regs_[offset / 4] &= ~value; return;
    case reg::kIrqMask: {
      const std::uint32_t newly = value & ~regs_[offset / 4];
      regs_[offset / 4] = value & reg::kIrqAll;
      const bool edge = (regs_[reg::kIrqStatus / 4] & newly) && deliver_irq_locked(regs_[reg::kIrqStatus / 4] & newly);
      lock.unlock();
      if (edge) irq_cv_.notify_all();
      return;
    }
    case reg::kDoorbell:
      if (value & reg::kDoorbellMailbox) pending_ |= kEvMailbox;
      if (value & reg::kDoorbellH2d) pending_ |= kEvH2d;
      if (value & reg::kDoorbellD2h) pending_ |= kEvD2h;
      break;
    case reg::kBootCtrl:
      if (value != reg::kBootStart) return;
      if (regs_[reg::kStatus / 4] != static_cast<std::uint32_t>(abi::DeviceState::kWaitFirmware)) {
        log().warn("sim: BOOT_CTRL ignored: the device is not waiting for firmware (reset it first)");
        return;
      }
      pending_ |= kEvBoot;
      break;
    case reg::kBootAddrLo: case reg::kBootAddrHi: case reg::kBootSize:
      regs_[offset / 4] = value;
      return;
    default:
      if (offset >= reg::kMboxReq && offset < reg::kMboxReq + reg::kMboxWindowSize) {
        regs_[offset / 4] = value;
      } else if ((in_ring(reg::kH2dRing) || in_ring(reg::kD2hRing)) &&
                 offset % 0x20 != reg::kRingHead && offset % 0x20 <= reg::kRingTail) {
        regs_[offset / 4] = value;
      }
      return;  // everything else is read-only for the host
  }
  if (config_.steps_in_host_thread && !core_busy_ && !computes_values_locked()) {
    run_in_host_thread(lock);
    return;
  }
  lock.unlock();
  core_cv_.notify_all();
}

bool SimDeviceImpl::computes_values_locked() {
  if ((pending_ & kEvMailbox) != 0) {
    std::uint16_t opcode = 0;
    std::memcpy(&opcode, &regs_[reg::kMboxReq / 4], sizeof(opcode));
    if (opcode == static_cast<std::uint16_t>(abi::MboxOpcode::kRun)) {
      std::uint32_t flags = 0;
      std::memcpy(&flags, &regs_[(reg::kMboxReq + sizeof(abi::MboxHeader) + offsetof(abi::RunRequest, flags)) / 4],
                  sizeof(flags));
      computing_ = (flags & abi::kRunTimingOnly) == 0;
    }
  }
  return computing_;
}

WaitResult SimDeviceImpl::wait_interrupt(std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (removed_.load()) return WaitResult::kRemoved;
    if (irq_edge_) {
      irq_edge_ = false;
      return WaitResult::kInterrupt;
    }
    const auto now = clock::now();
    if (now >= deadline) return WaitResult::kTimeout;
    // Within a moderation window an interrupt may be raised without waking anyone (raise_irq):
    // look again when the window closes.
    const auto window_end = irq_woken_at_ + kIrqModeration;
    irq_cv_.wait_until(lock, window_end > now ? std::min(deadline, window_end) : deadline);
  }
}

void SimDeviceImpl::reset() {
  if (removed_.load()) return;
  std::lock_guard exec(exec_mutex_);
  std::lock_guard lock(mutex_);
  ++epoch_;
  init_registers();
  hung_ = false;
  core_stopped_ = false;
  dma_error_armed_ = false;
  memory_error_armed_ = false;
  pending_fault_.reset();
  ddr_.clear();
  timing_->reset();
  firmware_.reset();
  cycles_ = 0;
  log().debug("sim: device {} reset", config_.index);
}

std::uint64_t SimDeviceImpl::ddr_resident_bytes() const {
  std::lock_guard exec(exec_mutex_);
  return ddr_.resident_bytes();
}

void SimDeviceImpl::enable_trace(bool on) {
  std::lock_guard exec(exec_mutex_);
  tracing_ = on;
  timing_->enable_trace(on);
}

std::string SimDeviceImpl::trace_json() {
  std::lock_guard exec(exec_mutex_);
  return timing_->trace_json();
}

}  // namespace npu::sim
