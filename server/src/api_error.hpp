// ApiError: an error answer of the HTTP API — its status code and what OpenAI's error object
// carries ({"error": {"message", "type", "param", "code"}}). Every route answers failures with one.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"

namespace npu::server {

struct ApiError {
  unsigned status = 400;
  std::string message;
  std::string param;  // the request field at fault ("" = none)
  std::string code;   // a stable machine-readable name ("model_not_found", ...)
  std::optional<std::chrono::seconds> retry_after;  // 429 / 503: the Retry-After header

  // OpenAI's `type` for the status (invalid_request_error, authentication_error, ...).
  [[nodiscard]] std::string type() const;
  // {"error": {...}}: OpenAI's shape, which the official clients parse.
  [[nodiscard]] nlohmann::json to_json() const;
};

template <class T>
using ApiResult = std::expected<T, ApiError>;

[[nodiscard]] inline std::unexpected<ApiError> api_fail(unsigned status, std::string message,
                                                        std::string param = {}, std::string code = {}) {
  return std::unexpected<ApiError>(ApiError{status, std::move(message), std::move(param), std::move(code), {}});
}

[[nodiscard]] ApiError bad_request(std::string message, std::string param = {});
// A runtime error met while serving: kInvalidArgument -> 400 (with `param`), busy -> 503 with
// Retry-After, a lost device or any other device or stack failure -> 500 (/health says 503).
[[nodiscard]] ApiError from_runtime_error(const Error& error, std::string param = {});

}  // namespace npu::server
