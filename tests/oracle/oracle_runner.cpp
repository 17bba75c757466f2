#include "oracle_runner.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace npu::oracle {
namespace {

const std::filesystem::path kSourceDir = NPU_SOURCE_DIR;

std::optional<std::filesystem::path> find_node() {
  if (const char* env = std::getenv("NPU_NODE"); env != nullptr && *env != '\0') {
    if (::access(env, X_OK) == 0) return std::filesystem::path(env);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = std::filesystem::path(dir) / "node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::optional<std::string> oracle_unavailable() {
  if (!find_node()) return "node is not on PATH or NPU_NODE is not executable (install nodejs)";
  const auto package = kSourceDir / "node_modules" / "node-llama-cpp" / "package.json";
  if (!std::filesystem::exists(package)) {
    return fmt::format("{} is missing: run `npm install --ignore-scripts --omit=optional` in {}",
                       package.string(), kSourceDir.string());
  }
  return std::nullopt;
}

Expected<OracleResult> run_oracle(const std::filesystem::path& model, std::uint32_t vocab,
                                  const std::vector<std::int32_t>& prompt, std::uint32_t steps) {
  auto node = find_node();
  if (!node) return fail(ErrorCode::kNotFound, "node is not on PATH");
  const auto script = kSourceDir / "tests" / "oracle" / "llama_logits.mjs";
  const auto log = std::filesystem::path(model).replace_extension(".oracle.log");
  const std::string command =
      fmt::format("{} {} --model {} --vocab {} --tokens {} --steps {} --context {} 2>{}", shell_quote(node->string()),
                  shell_quote(script.string()), shell_quote(model.string()), vocab, fmt::join(prompt, ","), steps,
                  prompt.size() + steps + 8, shell_quote(log.string()));
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return fail(ErrorCode::kIo, "cannot start node");
  std::string output;
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  std::ifstream log_in(log);
  const std::string log_text((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(log);
  if (status != 0) {
    return fail(ErrorCode::kDeviceError,
                fmt::format("llama_logits.mjs failed (status {}): {}", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                            log_text.substr(0, 4000)));
  }
  nlohmann::json j = nlohmann::json::parse(output, nullptr, false);
  if (j.is_discarded() || !j.contains("generated") || !j.contains("logits")) {
    return fail(ErrorCode::kBadFormat, fmt::format("llama_logits.mjs printed no JSON result; log: {}", log_text.substr(0, 2000)));
  }
  OracleResult r;
  r.generated = j["generated"].get<std::vector<std::int32_t>>();
  for (const auto& row : j["logits"]) {
    std::vector<float> values;
    values.reserve(row.size());
    for (const auto& v : row) {
      if (!v.is_number()) return fail(ErrorCode::kBadFormat, "llama.cpp left a logit out (null in the JSON)");
      values.push_back(v.get<float>());
    }
    r.logits.push_back(std::move(values));
  }
  return r;
}

}  // namespace npu::oracle
