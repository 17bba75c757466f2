// npu::Error and npu::Expected<T>: the one error type of every layer and of the public API.
// No exception crosses a layer boundary; every error a user can cause says what to do.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace npu {

enum class ErrorCode : std::uint32_t {
  kOk = 0,
  kInvalidArgument,     // the caller passed something malformed
  kNotFound,            // file, device, tensor, context ... does not exist
  kIo,                  // an OS call failed (message carries errno text)
  kBadFormat,           // a file or message is malformed (magic, version, checksum, truncation)
  kUnsupported,         // valid, but not something this build can do
  kOutOfMemory,         // host or device memory exhausted
  kTimeout,             // the device did not answer in time
  kDeviceError,         // the device reported a failure (DMA error, crash, ...)
  kDeviceLost,          // the device went away (removal, link down)
  kBusy,                // resource in use / back-pressure
  kAborted,             // the caller or the stack cancelled the work
  kVersionMismatch,     // driver/firmware/ABI/file versions do not fit together
  kPermission,          // the OS refused access (device node, VFIO, ...)
  kInternal,            // a bug in npustack: please report it
};

[[nodiscard]] std::string_view to_string(ErrorCode code) noexcept;

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  // "timeout: mailbox IDENTIFY got no answer in 500 ms; ..." (code name, then the message).
  [[nodiscard]] std::string what() const;

  // Prefix context while an error travels up ("loading model.npk: " + message).
  [[nodiscard]] Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <class T>
using Expected = std::expected<T, Error>;

// Shorthand for `return npu::fail(ErrorCode::kX, "...")` from a function returning Expected<T>.
[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}
[[nodiscard]] inline std::unexpected<Error> fail(Error error) {
  return std::unexpected<Error>(std::move(error));
}

}  // namespace npu

// Early return of an error: NPU_TRY(expr) for Expected<void>; NPU_TRY_ASSIGN(var, expr) otherwise.
#define NPU_TRY(expr)                                           \
  do {                                                          \
    auto&& npu_try_result_ = (expr);                            \
    if (!npu_try_result_) return std::unexpected(std::move(npu_try_result_).error()); \
  } while (0)

#define NPU_CONCAT_INNER_(a, b) a##b
#define NPU_CONCAT_(a, b) NPU_CONCAT_INNER_(a, b)
#define NPU_TRY_ASSIGN(lhs, expr) NPU_TRY_ASSIGN_IMPL_(NPU_CONCAT_(npu_tmp_, __LINE__), lhs, expr)
#define NPU_TRY_ASSIGN_IMPL_(tmp, lhs, expr)                       \
  auto tmp = (expr);                                               \
  if (!tmp) return std::unexpected(std::move(tmp).error());        \
  lhs = std::move(*tmp)
