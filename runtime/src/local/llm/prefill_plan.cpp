#include "local/llm/prefill_plan.hpp"

namespace npu::genai::detail {

std::vector<std::uint32_t> plan_prefill_chunks(std::uint32_t tokens, std::uint32_t rows) {
  std::vector<std::uint32_t> runs;
  if (rows == 0 || tokens == 0) return runs;
  if (const std::uint32_t rem = tokens % rows; rem != 0) runs.push_back(rem);
  for (std::uint32_t i = 0; i < tokens / rows; ++i) runs.push_back(rows);
  return runs;
}

}  // namespace npu::genai::detail
