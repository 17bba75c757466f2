// Static activation ranges: the clipping value of each quantize point that minimizes the int8
// quantization error over the calibration activations (instead of their max). A histogram of |x|
// (2048 bins over [0, max]) stands in for the values; for a candidate clip c (step s = c / 127)
// the expected squared error is s^2/12 per value inside the range (uniform rounding) plus
// (|x| - c)^2 per value beyond it. Heavy-tailed points (gated products such as SwiGLU's output or
// the short conv's C * conv(B * x)) gain several dB; Gaussian-like ones keep a clip near their max.
#include <algorithm>
#include <cmath>
#include <vector>

#include "llm_internal.hpp"

namespace npu::compiler::llm::detail {

float mse_optimal_clip(std::span<const float> values) {
  float amax = 0.0f;
  for (float v : values) amax = std::max(amax, std::fabs(v));
  if (!(amax > 0.0f) || !std::isfinite(amax)) return amax;
  constexpr std::size_t kBins = 2048;
  std::vector<double> count(kBins, 0.0);
  const double per_bin = static_cast<double>(amax) / kBins;
  for (float v : values) {
    const auto bin = static_cast<std::size_t>(std::fabs(v) / per_bin);
    count[std::min(bin, kBins - 1)] += 1.0;
  }
  double best_error = INFINITY;
  std::size_t best = kBins;
  // Candidates: clip at the upper edge of bin b, from 1/16 of the max up to the max.
  for (std::size_t b = kBins / 16; b <= kBins; b += 4) {
    const double clip = per_bin * static_cast<double>(b), step = clip / 127.0;
    double inside = 0.0, beyond = 0.0;
    for (std::size_t i = 0; i < kBins; ++i) {
      const double center = per_bin * (static_cast<double>(i) + 0.5);
      if (i < b) inside += count[i];
      else beyond += count[i] * (center - clip) * (center - clip);
    }
    const double error = inside * step * step / 12.0 + beyond;
    if (error < best_error) {
      best_error = error;
      best = b;
    }
  }
  return static_cast<float>(per_bin * static_cast<double>(best));
}

}  // namespace npu::compiler::llm::detail
