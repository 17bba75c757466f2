#include "token_chooser.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace npu::genai::detail {
namespace {

constexpr std::size_t kPenaltyWindow = 64;  // recent tokens the repetition penalty looks at
constexpr std::uint64_t kDefaultSeed = 0x5eed;

}  // namespace

SamplingConfig resolve_sampling(const GeneratorParams& p, const GeneratorParams& presets) {
  SamplingConfig c;
  const bool caller_sets = p.temperature || p.top_k || p.top_p || p.min_p || p.repetition_penalty;
  const GeneratorParams& src = caller_sets ? p : presets;
  c.temperature = src.temperature.value_or(caller_sets ? 1.0f : 0.0f);
  c.top_k = src.top_k.value_or(0);
  c.top_p = src.top_p.value_or(1.0f);
  c.min_p = src.min_p.value_or(0.0f);
  c.repetition_penalty = src.repetition_penalty.value_or(1.0f);
  c.seed = p.seed.value_or(kDefaultSeed);
  c.greedy = p.greedy || c.temperature <= 0.0f;
  return c;
}

Expected<void> validate_sampling(const SamplingConfig& c) {
  auto bad = [](std::string what) { return fail(ErrorCode::kInvalidArgument, std::move(what)); };
  if (!std::isfinite(c.temperature) || c.temperature < 0.0f) {
    return bad(fmt::format("temperature {} must be >= 0 (0 = greedy)", c.temperature));
  }
  if (!(c.top_p > 0.0f && c.top_p <= 1.0f)) return bad(fmt::format("top_p {} must be in (0, 1]", c.top_p));
  if (!(c.min_p >= 0.0f && c.min_p < 1.0f)) return bad(fmt::format("min_p {} must be in [0, 1)", c.min_p));
  if (!(c.repetition_penalty > 0.0f) || !std::isfinite(c.repetition_penalty)) {
    return bad(fmt::format("repetition_penalty {} must be > 0 (1 = off)", c.repetition_penalty));
  }
  return {};
}

TokenChooser::TokenChooser(SamplingConfig config) : config_(config), rng_(config.seed) {}

TokenId TokenChooser::choose(std::span<const float> logits, std::span<const TokenId> context) {
  const std::size_t n = logits.size();
  work_.assign(logits.begin(), logits.end());
  // Repetition penalty (CTRL-style, as llama.cpp): divide positive logits, multiply negative ones.
  if (config_.repetition_penalty != 1.0f) {
    const std::size_t from = context.size() > kPenaltyWindow ? context.size() - kPenaltyWindow : 0;
    for (std::size_t i = from; i < context.size(); ++i) {
      const auto t = static_cast<std::size_t>(context[i]);
      if (t >= n) continue;
      bool seen = false;  // penalize each token once
      for (std::size_t j = from; j < i; ++j) seen = seen || context[j] == context[i];
      if (seen) continue;
      work_[t] = work_[t] > 0 ? work_[t] / config_.repetition_penalty : work_[t] * config_.repetition_penalty;
    }
  }
  candidates_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isnan(work_[i])) candidates_.emplace_back(work_[i], static_cast<TokenId>(i));
  }
  if (candidates_.empty()) return 0;
  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  if (config_.greedy) return std::min_element(candidates_.begin(), candidates_.end(), by_logit)->second;
  std::size_t keep = candidates_.size();
  if (config_.top_k > 0 && config_.top_k < keep) keep = config_.top_k;
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep), candidates_.end(), by_logit);
  candidates_.resize(keep);
  // Softmax at the temperature (in place: first = probability).
  const double max = candidates_.front().first;
  double sum = 0;
  for (auto& c : candidates_) {
    c.first = static_cast<float>(std::exp((static_cast<double>(c.first) - max) / config_.temperature));
    sum += c.first;
  }
  for (auto& c : candidates_) c.first = static_cast<float>(c.first / sum);
  if (config_.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
    double mass = 0;
    std::size_t i = 0;
    while (i < candidates_.size() && mass < config_.top_p) mass += candidates_[i++].first;
    candidates_.resize(std::max<std::size_t>(i, 1));
  }
  if (config_.min_p > 0.0f) {  // drop tokens below min_p times the most likely one
    const float floor = candidates_.front().first * config_.min_p;
    auto it = std::find_if(candidates_.begin(), candidates_.end(), [&](const auto& c) { return c.first < floor; });
    candidates_.erase(it == candidates_.begin() ? it + 1 : it, candidates_.end());
  }
  double total = 0;
  for (const auto& c : candidates_) total += c.first;
  double u = std::uniform_real_distribution<double>(0.0, total)(rng_);
  for (const auto& c : candidates_) {
    if (u < c.first) return c.second;
    u -= c.first;
  }
  return candidates_.back().second;
}

}  // namespace npu::genai::detail
