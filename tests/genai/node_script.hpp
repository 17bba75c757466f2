// Running the project's test-only node scripts (the llama.cpp and Jinja oracles): finding node,
// skipping loudly when it or node_modules is missing (failing instead when NPU_REQUIRE_ORACLE=1).
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace npu::genai::testing {

inline std::string find_node() {
  if (const char* env = std::getenv("NPU_NODE"); env != nullptr && *env != '\0') return env;
  std::stringstream dirs(std::getenv("PATH") != nullptr ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto node = std::filesystem::path(dir) / "node";
    if (::access(node.c_str(), X_OK) == 0) return node.string();
  }
  return {};
}

// Why the oracle cannot run (node or the npm package `package` is missing), or empty.
inline std::string oracle_unavailable(const std::filesystem::path& source_dir, const std::string& package) {
  if (find_node().empty()) return "node is not on PATH (install nodejs)";
  if (!std::filesystem::exists(source_dir / "node_modules" / package / "package.json")) {
    return "node_modules/" + package + " is missing: run scripts/install-npm.sh in " + source_dir.string();
  }
  return {};
}

inline bool oracle_required() {
  const char* require = std::getenv("NPU_REQUIRE_ORACLE");
  return require != nullptr && std::string(require) == "1";
}

// Runs `node script args...` and returns its stdout; stderr goes to `log`. nullopt if it fails.
inline std::optional<std::string> run_node(const std::filesystem::path& script, const std::vector<std::string>& args,
                                           const std::filesystem::path& log) {
  std::string command = "'" + find_node() + "' '" + script.string() + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  command += " 2>'" + log.string() + "'";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  if (::pclose(pipe) != 0) return std::nullopt;
  return output;
}

}  // namespace npu::genai::testing

// Skips the test (or fails it under NPU_REQUIRE_ORACLE=1) when the node oracle is unavailable.
#define NPU_REQUIRE_NODE_ORACLE(source_dir, package)                                      \
  do {                                                                                    \
    const std::string npu_why_ = ::npu::genai::testing::oracle_unavailable(source_dir, package); \
    if (!npu_why_.empty()) {                                                              \
      if (::npu::genai::testing::oracle_required()) FAIL() << "oracle unavailable: " << npu_why_; \
      GTEST_SKIP() << "oracle unavailable: " << npu_why_;                                 \
    }                                                                                     \
  } while (0)
