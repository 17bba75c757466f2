#include "api_error.hpp"

namespace npu::server {

std::string ApiError::type() const {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 429: return "rate_limit_error";
    default: break;
  }
  return status >= 500 ? "server_error" : "invalid_request_error";
}

nlohmann::json ApiError::to_json() const {
  nlohmann::json error{{"message", message},
                       {"type", type()},
                       {"param", param.empty() ? nlohmann::json() : nlohmann::json(param)},
                       {"code", code.empty() ? nlohmann::json(status) : nlohmann::json(code)}};
  return {{"error", std::move(error)}};
}

ApiError bad_request(std::string message, std::string param) {
  return ApiError{400, std::move(message), std::move(param), "invalid_request", {}};
}

ApiError from_runtime_error(const Error& error, std::string param) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
      return ApiError{400, error.message(), std::move(param), "invalid_request", {}};
    case ErrorCode::kUnsupported:  // what this model's backend cannot do (e.g. HailoRT's own template)
      return ApiError{400, error.message(), std::move(param), "unsupported", {}};
    case ErrorCode::kDeviceLost:
      return ApiError{500, "the NPU was lost while serving the request: " + error.what(), {}, "device_lost", {}};
    case ErrorCode::kBusy:
      return ApiError{503, "the server is busy: " + error.message(), {}, "busy", std::chrono::seconds(1)};
    default: break;
  }
  return ApiError{500, "the NPU failed while serving the request: " + error.what(), {}, "device_error", {}};
}

}  // namespace npu::server
