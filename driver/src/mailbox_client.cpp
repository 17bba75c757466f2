#include "npu/driver/mailbox_client.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "npu/common/log.hpp"
#include "npu/driver/error_text.hpp"
#include "npu_abi/regs.hpp"

namespace npu::driver {

namespace reg = abi::reg;

namespace {

void write_window(hal::Device& device, std::uint32_t base, std::span<const std::byte> bytes) {
  for (std::size_t off = 0; off < bytes.size(); off += 4) {
    std::uint32_t word = 0;
    std::memcpy(&word, bytes.data() + off, std::min<std::size_t>(4, bytes.size() - off));
    device.write32(base + static_cast<std::uint32_t>(off), word);
  }
}

void read_window(hal::Device& device, std::uint32_t base, std::span<std::byte> out) {
  for (std::size_t off = 0; off < out.size(); off += 4) {
    const std::uint32_t word = device.read32(base + static_cast<std::uint32_t>(off));
    std::memcpy(out.data() + off, &word, std::min<std::size_t>(4, out.size() - off));
  }
}

}  // namespace

Expected<void> MailboxClient::check_size(abi::MboxOpcode opcode, std::size_t got, std::size_t want) {
  if (got == want) return {};
  return fail(ErrorCode::kVersionMismatch,
              fmt::format("mailbox {}: the firmware answered with {} payload bytes, this driver "
                          "expects {}; install the npustack firmware matching this driver",
                          to_string(opcode), got, want));
}

Expected<std::vector<std::byte>> MailboxClient::call(abi::MboxOpcode opcode,
                                                     std::span<const std::byte> payload,
                                                     std::chrono::milliseconds timeout,
                                                     std::uint32_t progress_register) {
  if (payload.size() > abi::kMboxMaxPayload) {
    return fail(ErrorCode::kInternal,
                fmt::format("mailbox {}: payload of {} bytes exceeds the {}-byte window",
                            to_string(opcode), payload.size(), abi::kMboxMaxPayload));
  }
  std::lock_guard lock(mutex_);
  const std::uint32_t seq = next_seq_++;
  if (next_seq_ == 0) next_seq_ = 1;  // 0 is what a freshly reset response window holds
  ++requests_;

  abi::MboxHeader header{};
  header.opcode = static_cast<std::uint16_t>(opcode);
  header.seq = seq;
  header.payload_size = static_cast<std::uint32_t>(payload.size());
  write_window(device_, reg::kMboxReq + sizeof header, payload);
  write_window(device_, reg::kMboxReq, std::as_bytes(std::span(&header, 1)));
  device_.write32(reg::kDoorbell, reg::kDoorbellMailbox);

  // The response is ready once its header echoes our sequence number.
  const auto seq_offset = static_cast<std::uint32_t>(reg::kMboxResp + offsetof(abi::MboxHeader, seq));
  NPU_TRY(irq_.wait(reg::kIrqMailbox, timeout,
                    [&] { return device_.read32(seq_offset) == seq; },
                    fmt::format("mailbox {} (seq {})", to_string(opcode), seq), progress_register));

  abi::MboxMessage resp{};
  read_window(device_, reg::kMboxResp, std::as_writable_bytes(std::span(&resp.header, 1)));
  if (resp.header.opcode != header.opcode) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("mailbox {}: the response is for opcode {}; the firmware is confused, "
                            "reset the device",
                            to_string(opcode), resp.header.opcode));
  }
  if (resp.header.status != static_cast<std::uint16_t>(abi::MboxStatus::kOk)) {
    return fail(mailbox_status_error(opcode, resp.header.status));
  }
  if (resp.header.payload_size > abi::kMboxMaxPayload) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("mailbox {}: response claims {} payload bytes (max {})",
                            to_string(opcode), resp.header.payload_size, abi::kMboxMaxPayload));
  }
  std::vector<std::byte> out(resp.header.payload_size);
  read_window(device_, reg::kMboxResp + sizeof(abi::MboxHeader), out);
  log().trace("mailbox {} seq {} ok ({} bytes)", to_string(opcode), seq, out.size());
  return out;
}

}  // namespace npu::driver
