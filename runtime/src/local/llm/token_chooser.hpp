// Picks each generated token. Greedy: the device's argmax (the host reads one id per token).
// Sampling: the host reads the logits and draws with genai::Sampler.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "npu/genai/llm_generator.hpp"
#include "npu/genai/sampler.hpp"

namespace npu::genai::detail {

// The sampling values of a generation: the caller's when they set any, else the model's
// metadata defaults, else the published preset for its name (genai::resolve_sampling).
[[nodiscard]] SamplingParams resolve_generation_sampling(const SamplingParams& caller,
                                                         const SamplingParams& metadata_defaults,
                                                         std::string_view model_name);

class TokenChooser {
 public:
  // kInvalidArgument for values out of range.
  [[nodiscard]] static Expected<TokenChooser> create(const GeneratorParams& params,
                                                     const SamplingParams& resolved);
  [[nodiscard]] bool greedy() const noexcept { return !sampler_; }
  // Feeds the penalty window with tokens the model saw (the context before generation).
  void accept(std::span<const TokenId> tokens);
  // Draws from `logits` and records the choice.
  [[nodiscard]] Expected<TokenId> choose(std::span<const float> logits) { return sampler_->sample(logits); }

 private:
  std::optional<Sampler> sampler_;
};

}  // namespace npu::genai::detail
