// Runs the built `npu` binary (NPU_CLI_PATH, defined by the test target; under qemu when
// cross-built) through /bin/sh and collects its stdout; JSON Lines output parsed line by line.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace npu::test {

struct CliResult {
  int exit_code = -1;
  std::string out;
};

// `args` is shell text (quote paths); stdin from `stdin_file` when given.
inline CliResult run_npu(const std::string& args, const std::string& stdin_file = {}) {
  std::string cmd = std::string("\"") + NPU_CLI_PATH + "\" " + args;
  if (!stdin_file.empty()) cmd += " < \"" + stdin_file + "\"";
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    out.push_back(j);
  }
  return out;
}

}  // namespace npu::test
