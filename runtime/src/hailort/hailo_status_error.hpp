// hailo_status -> npu::Error. Every status HailoRT can return becomes an error with one of
// npustack's codes and a message that names HailoRT's status and says what to do about it.
#pragma once

#include <string_view>

#include <hailo/hailort.hpp>

#include "npu/common/error.hpp"

namespace npu::hailort_backend {

// `what` is the operation that failed ("creating the VDevice", "loading model.hef"). A
// HAILO_SUCCESS status is a bug in the caller and comes back as kInternal.
[[nodiscard]] Error hailo_error(hailo_status status, std::string_view what);

// Shorthand for `return hailo_fail(status, "...")` from a function returning Expected<T>.
[[nodiscard]] inline std::unexpected<Error> hailo_fail(hailo_status status, std::string_view what) {
  return std::unexpected<Error>(hailo_error(status, what));
}

// Expected<void> from a hailo_status.
[[nodiscard]] inline Expected<void> hailo_check(hailo_status status, std::string_view what) {
  if (status == HAILO_SUCCESS) return {};
  return hailo_fail(status, what);
}

}  // namespace npu::hailort_backend
