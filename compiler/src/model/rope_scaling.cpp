#include "npu/compiler/rope_scaling.hpp"

#include <cmath>
#include <numbers>

namespace npu::compiler {

std::vector<float> llama3_rope_freq_factors(double theta, std::uint32_t head_dim, const Llama3RopeScaling& s) {
  const double low_wavelen = s.original_context / s.low_freq_factor;
  const double high_wavelen = s.original_context / s.high_freq_factor;
  std::vector<float> factors;
  for (const double freq : rope_frequencies(theta, head_dim)) {
    const double wavelen = 2.0 * std::numbers::pi / freq;
    if (wavelen < high_wavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > low_wavelen) {
      factors.push_back(static_cast<float>(s.factor));
    } else {
      const double smooth = (s.original_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      factors.push_back(static_cast<float>(1.0 / ((1.0 - smooth) / s.factor + smooth)));
    }
  }
  return factors;
}

std::vector<double> rope_frequencies(double theta, std::uint32_t head_dim, double freq_scale,
                                     std::span<const float> factors) {
  std::vector<double> out(head_dim / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    double f = freq_scale * std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
    if (i < factors.size()) f /= static_cast<double>(factors[i]);
    out[i] = f;
  }
  return out;
}

std::vector<double> rope_frequencies(const ModelConfig& c) {
  return rope_frequencies(c.rope_theta, c.head_dim, c.rope_freq_scale, c.rope_freq_factors);
}

const char* rope_scaling_name(const ModelConfig& c) noexcept {
  const bool linear = c.rope_freq_scale != 1.0, llama3 = !c.rope_freq_factors.empty();
  return linear && llama3 ? "linear+llama3" : linear ? "linear" : llama3 ? "llama3" : "none";
}

}  // namespace npu::compiler
