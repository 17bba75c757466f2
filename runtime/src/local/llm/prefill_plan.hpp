// How a prompt is cut into prefill runs: the remainder chunk (fewer rows than the subnet has,
// run with kParamTokens < rows) first, then full chunks, so the prompt's last token is always
// the last row of a full run when the prompt is longer than a chunk.
#pragma once

#include <cstdint>
#include <vector>

namespace npu::genai::detail {

// Sizes of the runs for `tokens` prompt tokens and a `rows`-row prefill subnet (rows > 0).
[[nodiscard]] std::vector<std::uint32_t> plan_prefill_chunks(std::uint32_t tokens, std::uint32_t rows);

}  // namespace npu::genai::detail
