// FakeDevice's scripted firmware: mailbox answers and DMA ring processing.
#include <cstring>
#include <fstream>

#include "fake_device.hpp"
#include "npu/common/checksum.hpp"

namespace npu::test {

namespace reg = abi::reg;

namespace {

template <class T>
void put(std::uint32_t* window, const T& value) {
  std::memcpy(reinterpret_cast<std::byte*>(window) + sizeof(abi::MboxHeader), &value, sizeof value);
}

constexpr std::uint32_t ring_base(int ring) { return ring == 0 ? reg::kH2dRing : reg::kD2hRing; }

}  // namespace

void FakeDevice::do_mailbox() {
  if (mailbox_silent ||
      reg(reg::kStatus) != static_cast<std::uint32_t>(abi::DeviceState::kAlive)) {
    return;
  }
  abi::MboxMessage req;
  std::memcpy(&req, &regs_[reg::kMboxReq / 4], sizeof req);
  std::uint32_t* out = &regs_[reg::kMboxResp / 4];
  abi::MboxHeader h{};
  h.opcode = req.header.opcode;
  h.seq = req.header.seq;
  switch (static_cast<abi::MboxOpcode>(req.header.opcode)) {
    case abi::MboxOpcode::kIdentify: {
      abi::IdentifyResponse r{};
      r.device_magic = abi::kDeviceMagic;
      r.abi_version = firmware_abi.load();
      r.fw_version = abi::make_fw_version(1, 0, 0);
      r.clock_khz = 1000000;
      r.ddr_bytes = memory.size();
      r.sram_bytes = 64 * 1024;
      r.num_clusters = 2;
      r.max_contexts = 2;
      r.serial = 42;
      std::strcpy(r.board_name, "fake board");
      std::strcpy(r.profile, "fake");
      put(out, r);
      h.payload_size = sizeof r;
      break;
    }
    case abi::MboxOpcode::kLoadContext: {
      abi::LoadContextRequest r;
      std::memcpy(&r, req.payload, sizeof r);
      abi::ProgramHeader ph{};
      if (r.program_addr + sizeof ph <= memory.size()) {
        std::memcpy(&ph, memory.data() + r.program_addr, sizeof ph);
      }
      if (ph.magic != abi::kProgramMagic) {
        h.status = static_cast<std::uint16_t>(abi::MboxStatus::kBadProgram);
        break;
      }
      abi::LoadContextResponse resp{};
      resp.num_ops = ph.num_ops;
      resp.load_cycles = 100;
      put(out, resp);
      h.payload_size = sizeof resp;
      break;
    }
    case abi::MboxOpcode::kRun: {
      if (const auto code = fault_on_run.exchange(0); code != 0) {
        reg(reg::kStatus) = static_cast<std::uint32_t>(abi::DeviceState::kFaulted);
        reg(reg::kErrorCode) = code;
        raise(reg::kIrqFault);
        return;  // a crashed firmware answers nothing
      }
      abi::RunResponse r{};
      r.ops_executed = 1;
      r.end_cycle = 10;
      put(out, r);
      h.payload_size = sizeof r;
      break;
    }
    case abi::MboxOpcode::kQueryStats: {
      abi::StatsResponse r{};
      r.runs = 7;
      put(out, r);
      h.payload_size = sizeof r;
      break;
    }
    case abi::MboxOpcode::kUnloadContext: break;
    default: h.status = static_cast<std::uint16_t>(abi::MboxStatus::kBadOpcode); break;
  }
  std::memcpy(out, &h, sizeof h);
  raise(reg::kIrqMailbox);
}

bool FakeDevice::process_one(int ring) {
  const std::uint32_t base = ring_base(ring);
  std::uint32_t& head = reg(base + reg::kRingHead);
  const std::uint32_t tail = reg(base + reg::kRingTail);
  const std::uint32_t size = reg(base + reg::kRingSize);
  if (head == tail || size == 0) return false;
  const std::uint64_t ring_addr =
      reg(base + reg::kRingBaseLo) | (std::uint64_t{reg(base + reg::kRingBaseHi)} << 32);
  std::byte* slot = translate(ring_addr + (head & (size - 1)) * sizeof(abi::DmaDescriptor),
                              sizeof(abi::DmaDescriptor));
  if (slot == nullptr) return false;
  abi::DmaDescriptor d;
  std::memcpy(&d, slot, sizeof d);
  std::byte* host = translate(d.host_addr, d.length);
  abi::DmaStatus status = abi::DmaStatus::kDone;
  if (dma_fail_after.load() == 0) {
    status = abi::DmaStatus::kTransferError;
  } else if (host == nullptr) {
    status = abi::DmaStatus::kBadHostAddress;
  } else if (d.device_addr + d.length > memory.size()) {
    status = abi::DmaStatus::kBadDeviceAddress;
  } else if (ring == 0) {
    std::memcpy(memory.data() + d.device_addr, host, d.length);
  } else {
    std::memcpy(host, memory.data() + d.device_addr, d.length);
  }
  if (dma_fail_after.load() >= 0) --dma_fail_after;
  d.status = static_cast<std::uint16_t>(status);
  std::memcpy(slot, &d, sizeof d);
  ++head;
  if (d.flags & abi::kDmaIrqOnDone) raise(ring == 0 ? reg::kIrqH2d : reg::kIrqD2h);
  return true;
}

void FakeDevice::worker() {
  while (!stop_) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (!slow_rings) continue;
    std::lock_guard lock(mutex_);
    for (int ring = 0; ring < 2; ++ring) (void)process_one(ring);
  }
}

void write_test_image(const std::string& path, std::uint32_t abi_version, std::size_t payload) {
  std::vector<std::byte> bytes(sizeof(abi::FirmwareImageHeader) + payload, std::byte{0x5a});
  abi::FirmwareImageHeader h{};
  h.magic = abi::kFirmwareMagic;
  h.header_size = sizeof h;
  h.abi_version = abi_version;
  h.fw_version = abi::make_fw_version(1, 0, 0);
  h.payload_size = payload;
  h.payload_crc32 = crc32(bytes.data() + sizeof h, payload);
  h.header_crc32 = crc32(&h, sizeof h);
  std::memcpy(bytes.data(), &h, sizeof h);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace npu::test
