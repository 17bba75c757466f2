// What the device's profile records (npu_abi ProfileRecord, ABI 1.1) say, on the host: the raw
// records and the names of their ops and mailbox commands. (The runtime turns them into
// its own ProfileData, per-layer summaries and traces: npu/device_profile.hpp.)
#pragma once

#include <cstdint>
#include <vector>

#include "npu_abi/mailbox.hpp"

namespace npu::driver {

struct ProfileData {
  std::vector<abi::ProfileRecord> records;  // in the order the device charged them
  std::uint32_t dropped = 0;                // records the device could not keep (buffer full)
  std::uint32_t clock_khz = 0;              // device clock, to turn cycles into time
};

// Name of a mailbox command for reports ("RUN"); an op's name is abi::op_name (npu_abi/program.hpp).
[[nodiscard]] const char* mailbox_command_name(std::uint16_t opcode) noexcept;

}  // namespace npu::driver
