// Runs tests/oracle/llama_logits.mjs (llama.cpp through node-llama-cpp) in a subprocess: a
// malformed model can abort llama.cpp, and this keeps the test process alive to report it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::oracle {

struct OracleResult {
  std::vector<std::int32_t> generated;     // greedy tokens, `steps` of them
  std::vector<std::vector<float>> logits;  // per evaluated position (prompt, then generated[:-1])
};

// Why the oracle cannot run here (no node, no node_modules), or nullopt when it can.
[[nodiscard]] std::optional<std::string> oracle_unavailable();

[[nodiscard]] Expected<OracleResult> run_oracle(const std::filesystem::path& model, std::uint32_t vocab,
                                                const std::vector<std::int32_t>& prompt, std::uint32_t steps);

}  // namespace npu::oracle
