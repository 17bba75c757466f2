#include "npu/driver/error_text.hpp"

#include <fmt/format.h>

#include "npu_abi/version.hpp"

namespace npu::driver {

std::string_view to_string(abi::DeviceState state) noexcept {
  switch (state) {
    case abi::DeviceState::kWaitFirmware: return "waiting for firmware";
    case abi::DeviceState::kBooting: return "booting";
    case abi::DeviceState::kAlive: return "alive";
    case abi::DeviceState::kBootFailed: return "boot failed";
    case abi::DeviceState::kFaulted: return "faulted";
  }
  return "unknown state";
}

std::string_view to_string(abi::MboxOpcode opcode) noexcept {
  switch (opcode) {
    case abi::MboxOpcode::kIdentify: return "IDENTIFY";
    case abi::MboxOpcode::kLoadContext: return "LOAD_CONTEXT";
    case abi::MboxOpcode::kRun: return "RUN";
    case abi::MboxOpcode::kReset: return "RESET";
    case abi::MboxOpcode::kQueryStats: return "QUERY_STATS";
    case abi::MboxOpcode::kUnloadContext: return "UNLOAD_CONTEXT";
    case abi::MboxOpcode::kProfile: return "PROFILE";
  }
  return "UNKNOWN_OPCODE";
}

std::string_view to_string(abi::DmaStatus status) noexcept {
  switch (status) {
    case abi::DmaStatus::kPending: return "pending";
    case abi::DmaStatus::kDone: return "done";
    case abi::DmaStatus::kBadHostAddress: return "bad host address";
    case abi::DmaStatus::kBadDeviceAddress: return "bad device address";
    case abi::DmaStatus::kTransferError: return "transfer error";
  }
  return "unknown DMA status";
}

std::string abi_version_text(std::uint32_t version) {
  return fmt::format("ABI {}.{}", abi::abi_major(version), abi::abi_minor(version));
}

std::string fw_version_text(std::uint32_t version) {
  return fmt::format("{}.{}.{}", (version >> 16) & 0xff, (version >> 8) & 0xff, version & 0xff);
}

Error fault_error(std::uint32_t fault_code) {
  switch (static_cast<abi::FaultCode>(fault_code)) {
    case abi::FaultCode::kNone:
      return Error(ErrorCode::kDeviceError, "the device reports a fault without a fault code");
    case abi::FaultCode::kFirmwareCrash:
      return Error(ErrorCode::kDeviceError,
                   "the device firmware crashed (exception or watchdog); the device must be reset "
                   "and everything loaded on it re-created");
    case abi::FaultCode::kMemoryError:
      return Error(ErrorCode::kDeviceError,
                   "the device reported an uncorrectable memory error; its memory contents are "
                   "lost. If this repeats, the module may be failing (check cooling and power)");
    case abi::FaultCode::kDmaFault:
      return Error(ErrorCode::kDeviceError,
                   "a device DMA engine stopped on a bad address; the device must be reset");
    case abi::FaultCode::kInternal:
      return Error(ErrorCode::kDeviceError,
                   "the device firmware hit an internal error; the device must be reset");
  }
  return Error(ErrorCode::kDeviceError,
               fmt::format("the device faulted with unknown fault code {}; the driver may be older "
                           "than the firmware: update npustack",
                           fault_code));
}

Error mailbox_status_error(abi::MboxOpcode opcode, std::uint16_t status) {
  const std::string_view name = to_string(opcode);
  switch (static_cast<abi::MboxStatus>(status)) {
    case abi::MboxStatus::kOk:
      return Error(ErrorCode::kInternal, fmt::format("mailbox {}: status ok reported as error", name));
    case abi::MboxStatus::kBadOpcode:
      return Error(ErrorCode::kUnsupported,
                   fmt::format("mailbox {}: the firmware does not know this request; install the "
                               "npustack firmware that matches this driver",
                               name));
    case abi::MboxStatus::kBadArgs:
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("mailbox {}: the firmware rejected the request's size or fields",
                               name));
    case abi::MboxStatus::kNoSuchContext:
      return Error(ErrorCode::kNotFound,
                   fmt::format("mailbox {}: no such context is loaded on the device; load it first",
                               name));
    case abi::MboxStatus::kBadProgram:
      return Error(ErrorCode::kBadFormat,
                   fmt::format("mailbox {}: the context program is malformed, addresses memory "
                               "outside its segments or uses an op this firmware does not serve; "
                               "recompile the model, or install newer npustack firmware",
                               name));
    case abi::MboxStatus::kExecError:
      return Error(ErrorCode::kDeviceError,
                   fmt::format("mailbox {}: an operation failed while running on the device", name));
    case abi::MboxStatus::kNoResources:
      return Error(ErrorCode::kOutOfMemory,
                   fmt::format("mailbox {}: the device has no room (too many contexts loaded or "
                               "SRAM exhausted); unload a context first",
                               name));
    case abi::MboxStatus::kDmaError:
      return Error(ErrorCode::kDeviceError,
                   fmt::format("mailbox {}: the device could not read or write memory it needed",
                               name));
  }
  return Error(ErrorCode::kDeviceError,
               fmt::format("mailbox {}: unknown response status {}; the firmware may be newer "
                           "than this driver: update npustack",
                           name, status));
}

Error dma_status_error(bool host_to_device, std::uint16_t status, std::uint64_t host_addr,
                       std::uint64_t device_addr, std::uint32_t length) {
  const char* dir = host_to_device ? "host-to-device" : "device-to-host";
  const std::string where = fmt::format("{} DMA of {} bytes (host 0x{:x}, device 0x{:x})", dir,
                                        length, host_addr, device_addr);
  switch (static_cast<abi::DmaStatus>(status)) {
    case abi::DmaStatus::kBadHostAddress:
      return Error(ErrorCode::kDeviceError,
                   where + " failed: the host memory is not mapped for the device (IOMMU fault); "
                           "check the IOMMU/VFIO setup");
    case abi::DmaStatus::kBadDeviceAddress:
      return Error(ErrorCode::kInvalidArgument,
                   where + " failed: the range lies outside device memory; use addresses from "
                           "Driver::allocate");
    case abi::DmaStatus::kTransferError:
      return Error(ErrorCode::kDeviceError,
                   where + " failed: transfer error (link or DMA engine)");
    case abi::DmaStatus::kPending:
    case abi::DmaStatus::kDone:
      break;
  }
  return Error(ErrorCode::kDeviceError,
               fmt::format("{} completed with unknown status {}", where, status));
}

}  // namespace npu::driver
