// Shared output helpers of the `npu` CLI: one JSON object per --json command on stdout, errors
// as one line on stderr (exit code 1).
#pragma once

#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"

namespace npu::tools {

void print_json(const nlohmann::json& object);
// Prints "npu <command>: <error>" to stderr and returns exit code 1.
[[nodiscard]] int report_error(std::string_view command, const Error& error);
// "1.2.3" from 0x00MMmmpp; "1.0" from an ABI version (major << 16 | minor).
[[nodiscard]] std::string fw_version_string(std::uint32_t packed);
[[nodiscard]] std::string abi_version_string(std::uint32_t packed);

}  // namespace npu::tools
