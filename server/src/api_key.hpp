// The API key check: "Authorization: Bearer <key>", compared in constant time (the time taken
// does not depend on where the given key differs from the real one).
#pragma once

#include <string_view>

namespace npu::server {

[[nodiscard]] bool constant_time_equal(std::string_view given, std::string_view expected) noexcept;
// Whether an Authorization header value carries the key ("Bearer <key>", scheme case-insensitive).
[[nodiscard]] bool authorized(std::string_view authorization, std::string_view key) noexcept;

}  // namespace npu::server
