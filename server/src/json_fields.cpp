#include "json_fields.hpp"

#include <cmath>

#include <fmt/format.h>

namespace npu::server {

namespace {
// Depth of [ / { nesting outside strings, without building anything (the JSON library's DOM
// would otherwise be walked recursively when it is dumped or destroyed).
bool nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') --depth;
  }
  return true;
}
}  // namespace

std::string json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    default: break;
  }
  return "a binary value";
}

ApiResult<nlohmann::json> parse_json_object(std::string_view body, int max_depth) {
  if (body.empty()) {
    return api_fail(400, "the request body is empty: send a JSON object (Content-Type: application/json)");
  }
  if (!nesting_within(body, max_depth)) {
    return api_fail(400, fmt::format("the request body nests arrays/objects deeper than {} levels", max_depth));
  }
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return api_fail(400, fmt::format("the request body is not valid JSON (at byte {}): {}", e.byte, e.what()),
                    {}, "invalid_json");
  }
  if (!value.is_object()) {
    return api_fail(400, fmt::format("the request body must be a JSON object, got {}", json_type_name(value)));
  }
  return value;
}

ApiResult<std::optional<double>> number_field(const nlohmann::json& obj, std::string_view key, double lo,
                                              double hi) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) {
    return std::unexpected(bad_request(fmt::format("'{}' must be a number, got {}", key, json_type_name(*it)),
                                       std::string(key)));
  }
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    return std::unexpected(bad_request(fmt::format("'{}' must be between {} and {}, got {}", key, lo, hi, v),
                                       std::string(key)));
  }
  return std::optional<double>(v);
}

ApiResult<std::optional<std::int64_t>> integer_field(const nlohmann::json& obj, std::string_view key,
                                                     std::int64_t lo, std::int64_t hi) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::int64_t>();
  bool integral = it->is_number_integer() || it->is_number_unsigned();
  if (it->is_number_float()) {
    const double d = it->get<double>();
    integral = std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
  }
  if (!integral) {
    return std::unexpected(bad_request(fmt::format("'{}' must be an integer, got {}", key, json_type_name(*it)),
                                       std::string(key)));
  }
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
    return std::unexpected(bad_request(fmt::format("'{}' must be between {} and {}", key, lo, hi), std::string(key)));
  }
  const auto v = it->is_number_float() ? static_cast<std::int64_t>(it->get<double>()) : it->get<std::int64_t>();
  if (v < lo || v > hi) {
    return std::unexpected(bad_request(fmt::format("'{}' must be between {} and {}, got {}", key, lo, hi, v),
                                       std::string(key)));
  }
  return std::optional<std::int64_t>(v);
}

ApiResult<std::optional<bool>> bool_field(const nlohmann::json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return std::unexpected(bad_request(fmt::format("'{}' must be true or false, got {}", key, json_type_name(*it)),
                                       std::string(key)));
  }
  return std::optional<bool>(it->get<bool>());
}

ApiResult<std::optional<std::string>> string_field(const nlohmann::json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return std::unexpected(bad_request(fmt::format("'{}' must be a string, got {}", key, json_type_name(*it)),
                                       std::string(key)));
  }
  return std::optional<std::string>(it->get<std::string>());
}

}  // namespace npu::server
