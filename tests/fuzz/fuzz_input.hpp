// Helpers shared by the libFuzzer targets (tests/fuzz/*_fuzz.cpp). Each target defines
// LLVMFuzzerTestOneInput; built with clang's -fsanitize=fuzzer it is a fuzzer (scripts/fuzz.sh),
// built with replay_main.cpp it replays the seed corpus and the regression inputs in the test suite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace npu::fuzz {

[[nodiscard]] inline std::span<const std::byte> bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}
[[nodiscard]] inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits the input at NUL bytes (how the multi-field targets take several strings from one input).
[[nodiscard]] inline std::vector<std::string_view> fields(std::string_view input) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\0') {
      out.push_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// A fuzz property that does not hold: abort, so the fuzzer keeps the input as a crash.
inline void require(bool condition) {
  if (!condition) std::abort();
}

// A private scratch directory for targets whose parser takes a path (one per process).
[[nodiscard]] std::filesystem::path scratch_dir();
// Writes `data` to `name` in the scratch directory and returns its path.
[[nodiscard]] std::filesystem::path write_scratch(std::string_view name, std::span<const std::byte> data);

}  // namespace npu::fuzz
