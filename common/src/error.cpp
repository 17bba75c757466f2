#include "npu/common/error.hpp"

#include <fmt/format.h>

namespace npu {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kBadFormat: return "bad format";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kOutOfMemory: return "out of memory";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kDeviceError: return "device error";
    case ErrorCode::kDeviceLost: return "device lost";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kAborted: return "aborted";
    case ErrorCode::kVersionMismatch: return "version mismatch";
    case ErrorCode::kPermission: return "permission denied";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

std::string Error::what() const { return fmt::format("{}: {}", to_string(code_), message_); }

Error Error::with_context(std::string_view context) const {
  return Error(code_, fmt::format("{}: {}", context, message_));
}

}  // namespace npu
