#include "hailort/hailo_status_error.hpp"

#include <fmt/format.h>

namespace npu::hailort_backend {
namespace {

struct Advice {
  ErrorCode code;
  std::string_view fix;
};

constexpr std::string_view kVersions =
    "HailoRT, the hailo1x_pci kernel driver and the device firmware must be the same release: install "
    "one release of all three (on Raspberry Pi OS: `sudo apt install --reinstall hailo-h10-all`), "
    "reboot, and check `hailortcli fw-control identify` and `modinfo hailo1x_pci`";
constexpr std::string_view kFirmware =
    "the device firmware in /lib/firmware/hailo/ is damaged or for another device: reinstall "
    "Hailo's firmware package of the installed HailoRT release and reboot";
constexpr std::string_view kLost =
    "the device, or Hailo's runtime on it, stopped answering: check `dmesg` for hailo errors, reload "
    "the driver (`sudo modprobe -r hailo1x_pci && sudo modprobe hailo1x_pci`) or reboot, then retry";
constexpr std::string_view kBusyDevice =
    "another process has the Hailo device open: stop it (`sudo lsof /dev/hailo*` names it), or let "
    "the processes share the device through HailoRT's multi-process service";
constexpr std::string_view kDeviceMemory =
    "the device ran out of memory: release other models or LLMs on this device, or use a smaller "
    "model";
constexpr std::string_view kGeneric =
    "HailoRT's log (hailort.log in the working directory, more with HAILORT_LOGGER_PATH) and "
    "`dmesg` say more; if it persists, reload the hailo1x_pci driver or reboot";

Advice advice_for(hailo_status status) {
  switch (status) {
    case HAILO_SUCCESS:
      return {ErrorCode::kInternal, "npustack treated success as an error: please report it"};
    case HAILO_INVALID_ARGUMENT:
    case HAILO_INSUFFICIENT_BUFFER:
    case HAILO_INVALID_HEF_USE:
      return {ErrorCode::kInvalidArgument, "HailoRT refused an argument: check the values passed"};
    case HAILO_INVALID_OPERATION:
    case HAILO_NETWORK_GROUP_NOT_ACTIVATED:
    case HAILO_STREAM_NOT_ACTIVATED:
    case HAILO_VSTREAM_PIPELINE_NOT_ACTIVATED:
      return {ErrorCode::kInvalidArgument,
              "the call is not valid in the object's current state (for an LLM: another generation "
              "may still be running; read it to the end or abort it first)"};
    case HAILO_OUT_OF_HOST_MEMORY:
      return {ErrorCode::kOutOfMemory, "the host ran out of memory: close other programs or use a smaller model"};
    case HAILO_OUT_OF_HOST_CMA_MEMORY:
      return {ErrorCode::kOutOfMemory,
              "the host ran out of contiguous (CMA) memory: raise it with cma=512M on the kernel "
              "command line (/boot/firmware/cmdline.txt on a Raspberry Pi) and reboot"};
    case HAILO_OUT_OF_FW_MEMORY:
    case HAILO_OUT_OF_DESCRIPTORS:
    case HAILO_CANT_MEET_BUFFER_REQUIREMENTS:
      return {ErrorCode::kOutOfMemory, kDeviceMemory};
    case HAILO_TIMEOUT:
      return {ErrorCode::kTimeout, "no answer in time: wait longer (raise the timeout) or check that the device is not stuck (`dmesg`)"};
    case HAILO_DRIVER_TIMEOUT:
      return {ErrorCode::kTimeout, "the driver timed out talking to the device, which may need a reset: reload hailo1x_pci or reboot"};
    case HAILO_NOT_IMPLEMENTED:
    case HAILO_NOT_SUPPORTED:
      return {ErrorCode::kUnsupported,
              "this HailoRT build or device does not support the operation (some need a newer HailoRT, "
              "or a HailoRT built with host-side tokenization)"};
    case HAILO_OPEN_FILE_FAILURE:
    case HAILO_FILE_OPERATION_FAILURE:
      return {ErrorCode::kIo, "HailoRT could not read or write the file: check the path and its permissions"};
    case HAILO_UNSUPPORTED_CONTROL_PROTOCOL_VERSION:
    case HAILO_UNSUPPORTED_FW_VERSION:
    case HAILO_INVALID_DRIVER_VERSION:
    case HAILO_INVALID_SERVICE_VERSION:
    case HAILO_DRIVER_INVALID_RESPONSE:
    case HAILO_DRIVER_INVALID_IOCTL:
      return {ErrorCode::kVersionMismatch, kVersions};
    case HAILO_INVALID_FIRMWARE:
    case HAILO_INVALID_FIRMWARE_MAGIC:
    case HAILO_INVALID_FIRMWARE_CODE_SIZE:
    case HAILO_INVALID_KEY_CERTIFICATE_SIZE:
    case HAILO_INVALID_CONTENT_CERTIFICATE_SIZE:
    case HAILO_MISMATCHING_FIRMWARE_BUFFER_SIZES:
    case HAILO_INVALID_FIRMWARE_CPU_ID:
    case HAILO_INVALID_SECOND_STAGE:
      return {ErrorCode::kVersionMismatch, kFirmware};
    case HAILO_INVALID_HEF:
    case HAILO_HEF_FILE_CORRUPTED:
      return {ErrorCode::kBadFormat, "the file is not a valid .hef (truncated or corrupted): download or compile it again"};
    case HAILO_HEF_NOT_SUPPORTED:
      return {ErrorCode::kVersionMismatch,
              "the .hef was compiled by a Dataflow Compiler release this HailoRT does not support: use a "
              ".hef built for the installed HailoRT release (Hailo's model zoo lists one per release)"};
    case HAILO_HEF_NOT_COMPATIBLE_WITH_DEVICE:
    case HAILO_INVALID_DEVICE_ARCHITECTURE:
      return {ErrorCode::kUnsupported,
              "the .hef was compiled for another Hailo device (e.g. Hailo-8 instead of Hailo-10H): use "
              "the .hef built for this device's architecture (`npu identify` shows it)"};
    case HAILO_DRIVER_NOT_INSTALLED:
    case HAILO_PCIE_NOT_SUPPORTED_ON_PLATFORM:
      return {ErrorCode::kNotFound,
              "the hailo1x_pci kernel driver is not loaded: install Hailo's PCIe driver package of the "
              "installed HailoRT release, reboot, and check `lsmod | grep hailo`"};
    case HAILO_DRIVER_OPERATION_FAILED:
      return {ErrorCode::kDeviceError, "a driver call failed: `dmesg` names the reason"};
    case HAILO_DEVICE_IN_USE:
    case HAILO_OUT_OF_PHYSICAL_DEVICES:
      return {ErrorCode::kBusy, kBusyDevice};
    case HAILO_DEVICE_TEMPORARILY_UNAVAILABLE:
      return {ErrorCode::kBusy, "the device is temporarily unavailable: try again in a moment"};
    case HAILO_QUEUE_IS_FULL:
      return {ErrorCode::kBusy, "too many jobs in flight: wait_for_async_ready() before queueing more"};
    case HAILO_DEVICE_NOT_CONNECTED:
    case HAILO_COMMUNICATION_CLOSED:
    case HAILO_CONNECTION_REFUSED:
    case HAILO_RPC_FAILED:
      return {ErrorCode::kDeviceLost, kLost};
    case HAILO_STREAM_ABORT:
    case HAILO_OPERATION_ABORTED:
    case HAILO_SHUTDOWN_EVENT_SIGNALED:
    case HAILO_DRIVER_WAIT_CANCELED:
    case HAILO_DRIVER_INTERRUPTED:
    case HAILO_INTERRUPTED_BY_SIGNAL:
      return {ErrorCode::kAborted, "the operation was cancelled (by abort, shutdown or a signal): start it again if it is still wanted"};
    case HAILO_NOT_FOUND:
      return {ErrorCode::kNotFound, "HailoRT did not find what was asked for: check names and device ids (`npu scan`)"};
    case HAILO_INVALID_FRAME:
    case HAILO_NMS_BURST_INVALID_DATA:
      return {ErrorCode::kDeviceError, "the device returned invalid data: run again; if it repeats, reset the device (reload hailo1x_pci)"};
    default:
      return {ErrorCode::kDeviceError, kGeneric};
  }
}

}  // namespace

Error hailo_error(hailo_status status, std::string_view what) {
  const Advice a = advice_for(status);
  const char* name = hailo_get_status_message(status);
  return Error(a.code, fmt::format("{}: HailoRT returned {} ({}): {}", what, name ? name : "an unknown status",
                                   static_cast<int>(status), a.fix));
}

}  // namespace npu::hailort_backend
