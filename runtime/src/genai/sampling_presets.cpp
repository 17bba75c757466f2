#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "npu/genai/sampling_params.hpp"

namespace npu::genai {
namespace {

// "LFM2.5-1.2B-Thinking-GGUF" -> {"lfm2.5", "1.2b", "thinking", "gguf"}
std::vector<std::string> name_parts(std::string_view name) {
  std::vector<std::string> parts(1);
  for (char c : name) {
    if (c == '-' || c == '_' || c == ' ' || c == '/') {
      if (!parts.back().empty()) parts.emplace_back();
    } else {
      parts.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (parts.back().empty()) parts.pop_back();
  return parts;
}

SamplingParams preset(float temperature, std::optional<std::int32_t> top_k,
                      std::optional<float> min_p) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.min_p = min_p;
  p.repetition_penalty = 1.05f;
  return p;
}

}  // namespace

std::optional<SamplingParams> sampling_preset(std::string_view model_name) {
  const std::vector<std::string> parts = name_parts(model_name);
  const auto has = [&](std::string_view part) {
    return std::find(parts.begin(), parts.end(), part) != parts.end();
  };
  const bool lfm25 = std::any_of(parts.begin(), parts.end(), [](const std::string& p) {
    return p.starts_with("lfm2.5") || p.starts_with("lfm25");
  });
  const bool lfm = lfm25 || std::any_of(parts.begin(), parts.end(), [](const std::string& p) {
    return p.starts_with("lfm2");
  });
  if (lfm && has("8b") && has("a1b")) return preset(0.2f, 80, std::nullopt);
  if (!lfm25) return std::nullopt;
  if (has("thinking")) return preset(0.05f, 50, std::nullopt);
  if (has("jp") || has("base")) return preset(0.3f, std::nullopt, 0.15f);
  if (has("instruct") || has("350m") || has("230m") || has("1.2b")) {
    return preset(0.1f, 50, std::nullopt);
  }
  return std::nullopt;
}

SamplingParams resolve_sampling(const SamplingParams& caller, std::string_view model_name) {
  if (caller.any_sampling_set()) return caller;
  std::optional<SamplingParams> p = sampling_preset(model_name);
  if (!p) return caller;
  p->seed = caller.seed;
  p->repetition_window = caller.repetition_window;
  p->presence_penalty = caller.presence_penalty;
  p->frequency_penalty = caller.frequency_penalty;
  return *p;
}

}  // namespace npu::genai
