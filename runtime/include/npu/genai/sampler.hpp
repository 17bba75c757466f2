// Sampler: picks the next token from a logits row. Pipeline (Hugging Face's order):
//   repetition penalty over the last `repetition_window` accepted tokens (logit / p if positive,
//   * p if negative) -> presence / frequency penalties over the tokens this sampler drew
//   (logit - presence * [count > 0] - frequency * count) -> greedy argmax if temperature == 0 ->
//   temperature -> top-k -> softmax -> top-p -> min-p -> draw.
// Built for 65536-entry vocabularies: top-k uses nth_element, top-p selects a growing prefix
// (nth_element) and sorts only that,
// nothing sorts the whole vocabulary per token.
// Reproducible: the random source is std::mt19937_64 (fully specified by the C++ standard) turned
// into a double by taking its top 53 bits, and kept candidates are drawn in token-id order, so the
// same seed and logits give the same tokens on every platform.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <unordered_map>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/genai/sampling_params.hpp"
#include "npu/genai/tokenizer.hpp"

namespace npu::genai {

class Sampler {
 public:
  static constexpr std::int32_t kDefaultRepetitionWindow = 64;

  // kInvalidArgument for temperature < 0, top_k < 0, top_p outside (0, 1], min_p outside [0, 1],
  // repetition_penalty <= 0, repetition_window < 0, presence / frequency penalty outside
  // [-2, 2] (non-finite values included).
  [[nodiscard]] static Expected<Sampler> create(const SamplingParams& params);

  // Samples a token and records it in the penalty window and the counts of drawn tokens. kInvalidArgument for an empty row or
  // one where no logit is finite.
  [[nodiscard]] Expected<TokenId> sample(std::span<const float> logits);
  // Records a token that the model saw (prompt tokens, or a token chosen elsewhere) in the
  // repetition window; the presence / frequency penalties count only the tokens drawn here.
  void accept(TokenId id);
  // Forgets the penalty window and the drawn tokens' counts, and restarts the random sequence.
  void reset();

  [[nodiscard]] const SamplingParams& params() const noexcept { return params_; }

 private:
  struct Candidate {
    float logit;
    TokenId id;
    float prob;  // filled by the softmax step (12-byte candidates keep selection cache-friendly)
  };
  explicit Sampler(const SamplingParams& params);
  [[nodiscard]] double uniform();  // [0, 1)
  void apply_penalty();
  void apply_occurrence_penalties();
  void keep_top_k(std::size_t k);
  void keep_top_p(double p);

  SamplingParams params_;
  float temperature_, top_p_, min_p_, penalty_, presence_, frequency_;
  std::int32_t top_k_, window_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::deque<TokenId> recent_;
  std::unordered_map<TokenId, std::uint32_t> drawn_;  // token -> times sampled (with penalties set)
  std::vector<Candidate> candidates_;  // reused between calls
};

}  // namespace npu::genai
