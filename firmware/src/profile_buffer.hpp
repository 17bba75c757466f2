// The firmware's profile buffer (ABI 1.1, "mailbox.profile"): while recording, one
// abi::ProfileRecord per piece of charged work, up to a fixed capacity (later records are counted
// as dropped, so a long run keeps its beginning). Internal to the firmware.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "npu/firmware/platform.hpp"
#include "npu_abi/mailbox.hpp"

namespace npu::fw {

class ProfileBuffer {
 public:
  static constexpr std::uint32_t kCapacity = 1u << 17;  // 8 MiB of records

  void start();
  void stop() noexcept { recording_ = false; }
  void clear() noexcept;
  [[nodiscard]] bool recording() const noexcept { return recording_; }
  [[nodiscard]] std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(records_.size()); }
  [[nodiscard]] std::uint32_t dropped() const noexcept { return dropped_; }
  [[nodiscard]] std::span<const abi::ProfileRecord> records() const noexcept { return records_; }

  // Appends a record of `kind` for `cost` (no-op unless recording).
  void add(abi::ProfileKind kind, const Cost& cost, std::uint32_t context_id = 0xffffffffu,
           std::uint16_t opcode = 0, std::uint32_t op_index = 0,
           std::uint32_t layer = abi::kProfileNoLayer);

 private:
  std::vector<abi::ProfileRecord> records_;
  std::uint32_t dropped_ = 0;
  bool recording_ = false;
};

}  // namespace npu::fw
