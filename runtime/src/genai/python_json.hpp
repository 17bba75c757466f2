// JSON written the way Python's json.dumps (and so Jinja's `tojson` in HF chat templates) writes
// it: ", " and ": " separators, keys in their original order, non-ASCII characters kept.
// Private to the genai sources.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace npu::genai {

[[nodiscard]] std::string python_json_dumps(const nlohmann::ordered_json& value);

// Python's str() of a JSON scalar number (e.g. 2, 2.5, 1e-05).
[[nodiscard]] std::string python_number(const nlohmann::ordered_json& number);

}  // namespace npu::genai
