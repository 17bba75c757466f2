// Reading typed fields out of a request's JSON object with errors a client can act on: each names
// the field and what it must be ("'temperature' must be a number, got a string").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api_error.hpp"

namespace npu::server {

// The body as a JSON object: 400 for malformed JSON (with where), nesting deeper than `max_depth`,
// or a body that is not an object.
[[nodiscard]] ApiResult<nlohmann::json> parse_json_object(std::string_view body, int max_depth = 64);

// The JSON type's name as error messages say it ("a string", "an array", ...).
[[nodiscard]] std::string json_type_name(const nlohmann::json& value);

// Optional fields: absent or null = nullopt; present with the wrong type or out of [lo, hi] = 400.
[[nodiscard]] ApiResult<std::optional<double>> number_field(const nlohmann::json& obj, std::string_view key,
                                                            double lo, double hi);
[[nodiscard]] ApiResult<std::optional<std::int64_t>> integer_field(const nlohmann::json& obj, std::string_view key,
                                                                   std::int64_t lo, std::int64_t hi);
[[nodiscard]] ApiResult<std::optional<bool>> bool_field(const nlohmann::json& obj, std::string_view key);
[[nodiscard]] ApiResult<std::optional<std::string>> string_field(const nlohmann::json& obj, std::string_view key);

}  // namespace npu::server
