// Human-readable text for every device-reported code of the ABI: what went wrong and what to do.
// Used by boot, mailbox, DMA and fault handling so that a user never sees a bare number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "npu/common/error.hpp"
#include "npu_abi/dma.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/regs.hpp"

namespace npu::driver {

[[nodiscard]] std::string_view to_string(abi::DeviceState state) noexcept;
[[nodiscard]] std::string_view to_string(abi::MboxOpcode opcode) noexcept;
[[nodiscard]] std::string_view to_string(abi::DmaStatus status) noexcept;

// "ABI 1.0" from a packed ABI version.
[[nodiscard]] std::string abi_version_text(std::uint32_t version);
// "1.2.3" from a packed firmware version.
[[nodiscard]] std::string fw_version_text(std::uint32_t version);

// The raw register value of ERROR_CODE while STATUS = kFaulted, explained.
[[nodiscard]] Error fault_error(std::uint32_t fault_code);

// A mailbox response status other than kOk, turned into an error naming the request.
[[nodiscard]] Error mailbox_status_error(abi::MboxOpcode opcode, std::uint16_t status);

// A DMA descriptor that completed with an error status.
[[nodiscard]] Error dma_status_error(bool host_to_device, std::uint16_t status,
                                     std::uint64_t host_addr, std::uint64_t device_addr,
                                     std::uint32_t length);

}  // namespace npu::driver
