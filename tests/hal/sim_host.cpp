#include "sim_host.hpp"
#include <algorithm>

#include <cstring>
#include <fmt/format.h>
#include <thread>

#include "npu/firmware/fw_image.hpp"
#include "npu/hal/enumerate.hpp"

namespace npu::test {

namespace reg = abi::reg;

std::unique_ptr<SimHost> SimHost::open(const std::string& id, std::uint32_t ring_entries) {
  auto device = hal::open_device(id);
  if (!device) return nullptr;
  auto host = std::make_unique<SimHost>();
  host->device_ = std::move(*device);
  host->entries_ = ring_entries;
  host->device_->write32(reg::kIrqMask, reg::kIrqAll);
  return host;
}

std::vector<std::byte> SimHost::good_image() {
  return fw::build_firmware_image(fw::FirmwareManifest::current(abi::make_fw_version(0, 1, 0)), "test-build");
}

Expected<std::uint32_t> SimHost::wait_irq(std::uint32_t bits, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const std::uint32_t st = device_->read32(reg::kIrqStatus);
    if (st != 0xffffffffu && (st & bits)) {
      device_->write32(reg::kIrqStatus, st & bits);
      return st;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail(ErrorCode::kTimeout, fmt::format("no interrupt {:#x}", bits));
    auto r = device_->wait_interrupt(left);
    if (!r && r.error().code() != ErrorCode::kTimeout) return fail(r.error());
  }
}

Expected<void> SimHost::reset() {
  NPU_TRY(device_->reset());
  h2d_ring_.reset();
  d2h_ring_.reset();
  h2d_tail_ = d2h_tail_ = 0;
  return {};
}

Expected<abi::DeviceState> SimHost::boot(std::span<const std::byte> image) {
  NPU_TRY_ASSIGN(fw_, device_->alloc_dma(image.empty() ? 1 : image.size()));
  std::ranges::copy(image, fw_->data());  // (an empty image is a test case: no memcpy from null)
  device_->write32(reg::kBootAddrLo, static_cast<std::uint32_t>(fw_->device_address()));
  device_->write32(reg::kBootAddrHi, static_cast<std::uint32_t>(fw_->device_address() >> 32));
  device_->write32(reg::kBootSize, static_cast<std::uint32_t>(image.size()));
  device_->write32(reg::kIrqMask, reg::kIrqAll);  // a reset cleared it
  device_->write32(reg::kBootCtrl, reg::kBootStart);
  NPU_TRY(wait_irq(reg::kIrqBoot));
  return state();
}

void SimHost::post(abi::MboxOpcode opcode, std::span<const std::byte> payload, std::uint32_t payload_size) {
  abi::MboxMessage m{};
  m.header.opcode = static_cast<std::uint16_t>(opcode);
  m.header.seq = ++seq_;
  m.header.payload_size = payload_size;
  std::ranges::copy(payload.first(std::min<std::size_t>(payload.size(), abi::kMboxMaxPayload)),
                    reinterpret_cast<std::byte*>(m.payload));
  std::uint32_t words[sizeof(m) / 4];
  std::memcpy(words, &m, sizeof(m));
  for (std::uint32_t i = 0; i < sizeof(m) / 4; ++i) device_->write32(reg::kMboxReq + 4 * i, words[i]);
  device_->write32(reg::kDoorbell, reg::kDoorbellMailbox);
}

Expected<MboxReply> SimHost::call(abi::MboxOpcode opcode, std::span<const std::byte> payload, std::int64_t payload_size,
                                  std::chrono::milliseconds timeout) {
  post(opcode, payload, payload_size < 0 ? static_cast<std::uint32_t>(payload.size()) : static_cast<std::uint32_t>(payload_size));
  NPU_TRY(wait_irq(reg::kIrqMailbox, timeout));
  MboxReply r;
  std::uint32_t words[sizeof(r.message) / 4];
  for (std::uint32_t i = 0; i < sizeof(r.message) / 4; ++i) words[i] = device_->read32(reg::kMboxResp + 4 * i);
  std::memcpy(&r.message, words, sizeof(words));
  if (r.message.header.seq != seq_ || r.message.header.opcode != static_cast<std::uint16_t>(opcode))
    return fail(ErrorCode::kInternal, "mailbox response does not echo the request");
  r.status = static_cast<abi::MboxStatus>(r.message.header.status);
  return r;
}

Expected<std::vector<abi::DmaStatus>> SimHost::transfer(bool h2d, std::span<const abi::DmaDescriptor> descs) {
  auto& ring = h2d ? h2d_ring_ : d2h_ring_;
  std::uint32_t& tail = h2d ? h2d_tail_ : d2h_tail_;
  const std::uint32_t block = h2d ? reg::kH2dRing : reg::kD2hRing;
  const std::uint32_t irq = h2d ? reg::kIrqH2d : reg::kIrqD2h;
  if (!ring) {
    NPU_TRY_ASSIGN(ring, device_->alloc_dma(entries_ * sizeof(abi::DmaDescriptor)));
    device_->write32(block + reg::kRingBaseLo, static_cast<std::uint32_t>(ring->device_address()));
    device_->write32(block + reg::kRingBaseHi, static_cast<std::uint32_t>(ring->device_address() >> 32));
    device_->write32(block + reg::kRingSize, entries_);
  }
  auto* slots = reinterpret_cast<abi::DmaDescriptor*>(ring->data());
  std::vector<abi::DmaStatus> statuses;
  std::size_t next = 0;
  std::uint32_t done = tail;  // index of the oldest descriptor not yet collected
  while (statuses.size() < descs.size()) {
    const std::uint32_t head = device_->read32(block + reg::kRingHead);
    while (done != head) statuses.push_back(static_cast<abi::DmaStatus>(slots[done++ & (entries_ - 1)].status));
    bool posted = false;
    while (next < descs.size() && tail - head < entries_) {
      slots[tail & (entries_ - 1)] = descs[next++];
      slots[(tail) & (entries_ - 1)].flags |= abi::kDmaIrqOnDone;
      ++tail;
      posted = true;
    }
    if (posted) {
      device_->write32(block + reg::kRingTail, tail);
      device_->write32(reg::kDoorbell, h2d ? reg::kDoorbellH2d : reg::kDoorbellD2h);
    }
    if (statuses.size() < descs.size()) NPU_TRY(wait_irq(irq));
  }
  return statuses;
}

Expected<std::vector<abi::DmaStatus>> SimHost::write(std::uint64_t device_addr, std::span<const std::byte> data,
                                                     std::size_t chunk) {
  NPU_TRY_ASSIGN(auto staging, device_->alloc_dma(data.size()));
  std::memcpy(staging->data(), data.data(), data.size());
  std::vector<abi::DmaDescriptor> descs;
  for (std::size_t off = 0; off < data.size(); off += chunk)
    descs.push_back(abi::DmaDescriptor{staging->device_address() + off, device_addr + off,
                                       static_cast<std::uint32_t>(std::min(chunk, data.size() - off)), 0, 0,
                                       static_cast<std::uint32_t>(descs.size()), 0});
  return transfer(true, descs);
}

Expected<std::vector<abi::DmaStatus>> SimHost::read(std::uint64_t device_addr, std::span<std::byte> data,
                                                    std::size_t chunk) {
  NPU_TRY_ASSIGN(auto staging, device_->alloc_dma(data.size()));
  std::vector<abi::DmaDescriptor> descs;
  for (std::size_t off = 0; off < data.size(); off += chunk)
    descs.push_back(abi::DmaDescriptor{staging->device_address() + off, device_addr + off,
                                       static_cast<std::uint32_t>(std::min(chunk, data.size() - off)), 0, 0,
                                       static_cast<std::uint32_t>(descs.size()), 0});
  NPU_TRY_ASSIGN(auto statuses, transfer(false, descs));
  std::memcpy(data.data(), staging->data(), data.size());
  return statuses;
}

std::vector<std::byte> to_bytes(const std::vector<std::int8_t>& v) {
  std::vector<std::byte> out(v.size());
  std::memcpy(out.data(), v.data(), v.size());
  return out;
}

std::vector<std::byte> to_bytes(const std::vector<std::int32_t>& v) {
  std::vector<std::byte> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

}  // namespace npu::test
