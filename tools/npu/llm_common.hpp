// Shared by `npu generate`, `npu chat` and `npu bench`: opening an LLM on a VDevice, parsing a
// token list, and the timing figures of a generation as JSON and as text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/genai/llm.hpp"
#include "npu/runtime.hpp"

namespace npu::tools {

struct OpenedLlm {
  std::unique_ptr<VDevice> vdevice;
  std::unique_ptr<genai::LLM> llm;
};

[[nodiscard]] Expected<OpenedLlm> open_llm(const std::string& model, const std::string& device);
// "1,2,3" -> {1, 2, 3}; kInvalidArgument naming the bad element.
[[nodiscard]] Expected<std::vector<genai::TokenId>> parse_token_list(const std::string& text);

[[nodiscard]] double seconds(std::chrono::nanoseconds t) noexcept;
// Figures of one generation: modeled TTFT and decode rate, host rates, counts.
[[nodiscard]] nlohmann::json generation_figures(const genai::GenerationStats& stats, const genai::LLMInfo& info);
// One compact JSON object per line (JSON Lines), invalid UTF-8 replaced.
void print_json_line(const nlohmann::json& object);
// The figures as lines for a terminal.
void print_generation_figures(const nlohmann::json& figures);

}  // namespace npu::tools
