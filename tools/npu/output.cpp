#include "output.hpp"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

namespace npu::tools {

void print_json(const nlohmann::json& object) { std::cout << object.dump(2) << std::endl; }

int report_error(std::string_view command, const Error& error) {
  fmt::print(stderr, "npu {}: {}\n", command, error.what());
  return 1;
}

std::string fw_version_string(std::uint32_t v) {
  return fmt::format("{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

std::string abi_version_string(std::uint32_t v) { return fmt::format("{}.{}", v >> 16, v & 0xffff); }

}  // namespace npu::tools
