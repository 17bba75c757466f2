#include "npu/genai/sampler.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace npu::genai {
namespace {

bool by_logit_desc(float a_logit, TokenId a_id, float b_logit, TokenId b_id) {
  return a_logit != b_logit ? a_logit > b_logit : a_id < b_id;
}

}  // namespace

Expected<Sampler> Sampler::create(const SamplingParams& p) {
  const auto bad = [](std::string what) { return fail(ErrorCode::kInvalidArgument, std::move(what)); };
  if (p.temperature && !(std::isfinite(*p.temperature) && *p.temperature >= 0.0f)) {
    return bad(fmt::format("temperature {} is invalid; use 0 (greedy) or a positive value",
                           *p.temperature));
  }
  if (p.top_k && *p.top_k < 0) return bad(fmt::format("top_k {} is negative; use 0 to disable", *p.top_k));
  if (p.top_p && !(*p.top_p > 0.0f && *p.top_p <= 1.0f)) {
    return bad(fmt::format("top_p {} is outside (0, 1]; use 1 to disable", *p.top_p));
  }
  if (p.min_p && !(*p.min_p >= 0.0f && *p.min_p <= 1.0f)) {
    return bad(fmt::format("min_p {} is outside [0, 1]; use 0 to disable", *p.min_p));
  }
  if (p.repetition_penalty && !(std::isfinite(*p.repetition_penalty) && *p.repetition_penalty > 0.0f)) {
    return bad(fmt::format("repetition_penalty {} must be positive; use 1 to disable",
                           *p.repetition_penalty));
  }
  for (const auto& [name, value] : {std::pair{"presence_penalty", p.presence_penalty},
                                    std::pair{"frequency_penalty", p.frequency_penalty}}) {
    if (value && !(*value >= -2.0f && *value <= 2.0f)) {
      return bad(fmt::format("{} {} is outside [-2, 2]; use 0 to disable", name, *value));
    }
  }
  if (p.repetition_window && *p.repetition_window < 0) {
    return bad(fmt::format("repetition_window {} is negative", *p.repetition_window));
  }
  return Sampler(p);
}

Sampler::Sampler(const SamplingParams& p)
    : params_(p),
      temperature_(p.temperature.value_or(1.0f)),
      top_p_(p.top_p.value_or(1.0f)),
      min_p_(p.min_p.value_or(0.0f)),
      penalty_(p.repetition_penalty.value_or(1.0f)),
      presence_(p.presence_penalty.value_or(0.0f)),
      frequency_(p.frequency_penalty.value_or(0.0f)),
      top_k_(p.top_k.value_or(0)),
      window_(p.repetition_window.value_or(kDefaultRepetitionWindow)),
      seed_(p.seed.value_or(kDefaultSeed)),
      rng_(seed_) {}

void Sampler::reset() {
  recent_.clear();
  drawn_.clear();
  rng_.seed(seed_);
}

void Sampler::accept(TokenId id) {
  if (window_ == 0) return;
  recent_.push_back(id);
  while (recent_.size() > static_cast<std::size_t>(window_)) recent_.pop_front();
}

double Sampler::uniform() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

void Sampler::apply_penalty() {
  if (penalty_ == 1.0f || recent_.empty()) return;
  std::vector<TokenId> ids(recent_.begin(), recent_.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (TokenId id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= candidates_.size()) continue;
    float& logit = candidates_[static_cast<std::size_t>(id)].logit;  // still in id order here
    logit = logit > 0.0f ? logit / penalty_ : logit * penalty_;
  }
}

void Sampler::apply_occurrence_penalties() {
  for (const auto& [id, count] : drawn_) {
    if (id < 0 || static_cast<std::size_t>(id) >= candidates_.size()) continue;
    candidates_[static_cast<std::size_t>(id)].logit -= presence_ + frequency_ * static_cast<float>(count);
  }
}

void Sampler::keep_top_k(std::size_t k) {
  if (k == 0 || k >= candidates_.size()) return;
  std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k - 1),
                   candidates_.end(), [](const Candidate& a, const Candidate& b) {
                     return by_logit_desc(a.logit, a.id, b.logit, b.id);
                   });
  candidates_.resize(k);
}

void Sampler::keep_top_p(double p) {
  // Select the k most likely (O(n) each round, k growing 4x) until they hold mass >= p, then sort
  // just those k and cut at the smallest prefix reaching p.
  const auto desc = [](const Candidate& a, const Candidate& b) {
    return a.prob != b.prob ? a.prob > b.prob : a.id < b.id;
  };
  const std::size_t n = candidates_.size();
  std::size_t k = std::min<std::size_t>(n, 64);
  for (;;) {
    if (k < n) {
      std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k - 1),
                       candidates_.end(), desc);
    }
    double mass = 0.0;
    for (std::size_t i = 0; i < k; ++i) mass += static_cast<double>(candidates_[i].prob);
    if (mass >= p || k == n) break;
    k = std::min(n, k * 4);
  }
  std::sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k), desc);
  double mass = 0.0;
  std::size_t keep = k;
  for (std::size_t i = 0; i < k; ++i) {
    mass += static_cast<double>(candidates_[i].prob);
    if (mass >= p) {
      keep = i + 1;
      break;
    }
  }
  candidates_.resize(keep);
}

Expected<TokenId> Sampler::sample(std::span<const float> logits) {
  if (logits.empty()) return fail(ErrorCode::kInvalidArgument, "cannot sample from an empty logits row");
  candidates_.resize(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    // NaN never wins: it becomes -inf.
    candidates_[i] = {std::isnan(logits[i]) ? -INFINITY : logits[i], static_cast<TokenId>(i), 0.0f};
  }
  apply_penalty();
  apply_occurrence_penalties();
  const auto best = std::min_element(candidates_.begin(), candidates_.end(),
                                     [](const Candidate& a, const Candidate& b) {
                                       return by_logit_desc(a.logit, a.id, b.logit, b.id);
                                     });
  if (!std::isfinite(best->logit)) {
    return fail(ErrorCode::kInvalidArgument, "no logit is finite; the model produced no usable "
                                             "distribution");
  }
  TokenId chosen = best->id;
  if (temperature_ > 0.0f) {
    const float max_logit = best->logit;
    keep_top_k(static_cast<std::size_t>(top_k_));
    // Softmax of logit / temperature, shifted by the maximum for stability.
    double total = 0.0;
    const float inv_t = 1.0f / temperature_;
    for (Candidate& c : candidates_) {
      c.prob = std::exp((c.logit - max_logit) * inv_t);
      total += static_cast<double>(c.prob);
    }
    const auto scale = static_cast<float>(1.0 / total);
    for (Candidate& c : candidates_) c.prob *= scale;
    if (top_p_ < 1.0f) keep_top_p(top_p_);
    float p_max = 0.0f;
    for (const Candidate& c : candidates_) p_max = std::max(p_max, c.prob);
    const float floor = min_p_ * p_max;
    std::erase_if(candidates_, [&](const Candidate& c) { return !(c.prob > 0.0f && c.prob >= floor); });
    // Draw over the kept candidates in token-id order (platform-independent).
    const auto by_id = [](const Candidate& a, const Candidate& b) { return a.id < b.id; };
    if (!std::is_sorted(candidates_.begin(), candidates_.end(), by_id)) {
      std::sort(candidates_.begin(), candidates_.end(), by_id);
    }
    double kept_mass = 0.0;
    for (const Candidate& c : candidates_) kept_mass += static_cast<double>(c.prob);
    double u = uniform() * kept_mass;
    chosen = candidates_.back().id;  // rounding guard: the last one if u runs past
    for (const Candidate& c : candidates_) {
      u -= static_cast<double>(c.prob);
      if (u < 0.0) {
        chosen = c.id;
        break;
      }
    }
  }
  accept(chosen);
  if (presence_ != 0.0f || frequency_ != 0.0f) ++drawn_[chosen];
  return chosen;
}

}  // namespace npu::genai
