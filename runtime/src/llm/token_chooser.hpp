// Picks each generated token. Greedy: the device's argmax (the host reads one id per token).
// Sampling: the host reads the logits and draws with the resolved parameters.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "npu/genai/llm_generator.hpp"

namespace npu::genai::detail {

// GeneratorParams with the model's presets applied and every value set.
struct SamplingConfig {
  bool greedy = true;
  float temperature = 0.0f;
  std::uint32_t top_k = 0;
  float top_p = 1.0f, min_p = 0.0f, repetition_penalty = 1.0f;
  std::uint64_t seed = 0;
};

// Caller values first, then the model's presets, then greedy.
[[nodiscard]] SamplingConfig resolve_sampling(const GeneratorParams& params, const GeneratorParams& presets);
// kInvalidArgument for values out of range (negative temperature, top_p outside (0,1], ...).
[[nodiscard]] Expected<void> validate_sampling(const SamplingConfig& config);

class TokenChooser {
 public:
  explicit TokenChooser(SamplingConfig config);
  [[nodiscard]] bool greedy() const noexcept { return config_.greedy; }
  // Draws from `logits` (vocab values) given the tokens of the context so far.
  [[nodiscard]] TokenId choose(std::span<const float> logits, std::span<const TokenId> context);

 private:
  SamplingConfig config_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, TokenId>> candidates_;  // reused across tokens
  std::vector<float> work_;
};

}  // namespace npu::genai::detail
