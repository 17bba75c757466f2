#include "npu/firmware/firmware.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "context_table.hpp"
#include "dma_ring_processor.hpp"
#include "mailbox_processor.hpp"
#include "npu/common/checksum.hpp"
#include "npu/common/log.hpp"
#include "npu/firmware/fw_image.hpp"
#include "npu_abi/version.hpp"

namespace npu::fw {

Firmware::Firmware(Platform& platform)
    : platform_(platform),
      profile_(std::make_unique<ProfileBuffer>()),
      contexts_(std::make_unique<ContextTable>(platform, stats_, *profile_)),
      mailbox_(std::make_unique<MailboxProcessor>(platform, *contexts_, stats_, *profile_)),
      rings_(std::make_unique<DmaRingProcessor>(platform, stats_, *profile_)) {}

Firmware::~Firmware() = default;

bool Firmware::alive() const noexcept { return boot_ != nullptr; }

abi::BootError Firmware::check_and_start() {
  using abi::BootError;
  const std::uint64_t addr = platform_.read_reg(abi::reg::kBootAddrLo) |
                             (std::uint64_t{platform_.read_reg(abi::reg::kBootAddrHi)} << 32);
  const std::uint64_t size = platform_.read_reg(abi::reg::kBootSize);
  if (size > abi::kFirmwareMaxSize) return BootError::kTooLarge;
  if (size < sizeof(abi::FirmwareImageHeader)) return BootError::kTruncated;
  abi::FirmwareImageHeader h{};
  if (!platform_.read_host(addr, std::as_writable_bytes(std::span(&h, 1)))) return BootError::kDmaError;
  if (BootError e = check_image_header(h, abi::kAbiVersion); e != BootError::kNone) return e;
  if (size < sizeof(h) + h.payload_size) return BootError::kTruncated;
  std::vector<std::byte> payload(h.payload_size);
  if (!platform_.read_host(addr + sizeof(h), payload)) return BootError::kDmaError;
  if (crc32(payload) != h.payload_crc32) return BootError::kBadChecksum;
  auto manifest = parse_manifest(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
  if (!manifest) {
    log().warn("fw: boot: {}", manifest.error().message());
    return BootError::kBadHeader;
  }
  if (manifest->fw_version != h.fw_version || manifest->abi_version != h.abi_version) {
    log().warn("fw: boot: manifest version/abi disagree with the image header");
    return BootError::kBadHeader;
  }
  auto state = std::make_unique<BootState>();
  state->manifest = std::move(*manifest);
  state->build_id.assign(h.build_id, strnlen(h.build_id, sizeof(h.build_id)));
  contexts_->configure(state->manifest.max_contexts);
  stats_ = {};
  profile_->stop();
  profile_->clear();
  boot_ = std::move(state);
  platform_.write_reg(abi::reg::kFwVersion, h.fw_version);
  return BootError::kNone;
}

void Firmware::boot() {
  boot_.reset();
  platform_.write_reg(abi::reg::kStatus, static_cast<std::uint32_t>(abi::DeviceState::kBooting));
  platform_.charge_control(ControlTask::kBoot);
  const abi::BootError e = check_and_start();
  if (!platform_.core_running()) return;
  if (e == abi::BootError::kNone) {
    platform_.write_reg(abi::reg::kErrorCode, 0);
    // The timer that advances HEARTBEAT from now on runs at this period (an image built for an
    // older ABI, without the feature, announces none, as that firmware would).
    platform_.write_reg(abi::reg::kHeartbeatPeriodUs,
                        boot_->manifest.has_feature("watchdog.heartbeat") ? kHeartbeatPeriodUs : 0);
    platform_.write_reg(abi::reg::kStatus, static_cast<std::uint32_t>(abi::DeviceState::kAlive));
    log().debug("fw: boot ok, firmware '{}' build '{}'", boot_->manifest.name, boot_->build_id);
  } else {
    log().info("fw: boot refused the image: {}", boot_error_name(e));
    platform_.write_reg(abi::reg::kErrorCode, static_cast<std::uint32_t>(e));
    platform_.write_reg(abi::reg::kStatus, static_cast<std::uint32_t>(abi::DeviceState::kBootFailed));
  }
  platform_.raise_irq(abi::reg::kIrqBoot);
}

void Firmware::on_mailbox_doorbell() {
  if (!boot_) return;
  if (abi::FaultCode f = mailbox_->serve(*boot_); f != abi::FaultCode::kNone) fault(f);
}

void Firmware::on_ring_doorbell(DmaDirection direction) {
  if (!boot_) return;
  if (abi::FaultCode f = rings_->process(direction); f != abi::FaultCode::kNone) fault(f);
}

void Firmware::reset() {
  boot_.reset();
  contexts_->clear();
  stats_ = {};
  profile_->stop();
  profile_->clear();
}

void Firmware::fault(abi::FaultCode code) {
  log().warn("fw: device fault {}", static_cast<int>(code));
  boot_.reset();
  contexts_->clear();
  platform_.write_reg(abi::reg::kErrorCode, static_cast<std::uint32_t>(code));
  platform_.write_reg(abi::reg::kStatus, static_cast<std::uint32_t>(abi::DeviceState::kFaulted));
  platform_.raise_irq(abi::reg::kIrqFault);
}

}  // namespace npu::fw
