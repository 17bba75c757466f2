// Sampling parameters, the one type for them: what genai::Sampler draws with, what a generation
// takes (GeneratorParams derives from it), what a model's metadata suggests and what the npud
// wire carries. Every field is optional: "unset" is different from "set to the neutral value",
// because a model's preset applies only when the caller sets none of the sampling fields
// (LiquidAI publishes recommended settings per LFM2.5 model). Unset fields without a preset
// behave neutrally: temperature 1, no top-k/top-p/min-p, no penalty. An unset seed is
// kDefaultSeed: the same prompt and settings give the same tokens run after run; set a seed of
// your own (e.g. from std::random_device) for different draws.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace npu::genai {

inline constexpr std::uint64_t kDefaultSeed = 0x6e7075737461636bull;  // "npustack"

struct SamplingParams {
  std::optional<float> temperature{};         // 0 = greedy (argmax)
  std::optional<std::int32_t> top_k{};        // keep the k most likely tokens; 0 = off
  std::optional<float> top_p{};               // nucleus: smallest set with mass >= p; 1 = off
  std::optional<float> min_p{};               // drop tokens below min_p * p(max); 0 = off
  std::optional<float> repetition_penalty{};  // > 1 discourages recent tokens; 1 = off
  std::optional<std::int32_t> repetition_window{};  // recent tokens penalized (default 64; 0 = none)
  std::optional<std::uint64_t> seed{};        // unset: kDefaultSeed (reproducible)
  // OpenAI's penalties on the tokens this generation has produced (not the prompt): each logit
  // loses presence_penalty once the token occurred and frequency_penalty per occurrence
  // (logit - presence * [count > 0] - frequency * count). In [-2, 2]; 0 = off. They are not
  // part of a preset: a caller's penalties apply with the model's preset as well.
  std::optional<float> presence_penalty{};
  std::optional<float> frequency_penalty{};

  [[nodiscard]] bool any_penalty_set() const noexcept {
    return (presence_penalty && *presence_penalty != 0.0f) || (frequency_penalty && *frequency_penalty != 0.0f);
  }

  // Whether the caller chose any of temperature, top_k, top_p, min_p, repetition_penalty.
  [[nodiscard]] bool any_sampling_set() const noexcept {
    return temperature || top_k || top_p || min_p || repetition_penalty;
  }
  friend bool operator==(const SamplingParams&, const SamplingParams&) = default;
};

// LiquidAI's recommended settings for a model, from its name (case-insensitive):
//   LFM2.5 1.2B Instruct / 350M / 230M: temperature 0.1, top_k 50, repetition_penalty 1.05
//   LFM2.5 1.2B Thinking:               temperature 0.05, top_k 50, repetition_penalty 1.05
//   LFM2.5 1.2B JP, 1.2B Base:          temperature 0.3, min_p 0.15, repetition_penalty 1.05
//   LFM2 8B-A1B:                        temperature 0.2, top_k 80, repetition_penalty 1.05
// nullopt for models without a published preset.
[[nodiscard]] std::optional<SamplingParams> sampling_preset(std::string_view model_name);

// The parameters a generation uses: the caller's when they set any sampling field, otherwise
// the model's preset (if any) with the caller's seed, repetition window and penalties kept.
[[nodiscard]] SamplingParams resolve_sampling(const SamplingParams& caller,
                                              std::string_view model_name);

}  // namespace npu::genai
