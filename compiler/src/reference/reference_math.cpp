#include "npu/compiler/reference_math.hpp"

#include <algorithm>
#include <cmath>

#include "npu/compiler/rope_scaling.hpp"

namespace npu::compiler::reference {

void matvec(std::span<const float> w, std::span<const float> x, std::span<float> out) noexcept {
  const std::size_t in = x.size();
  for (std::size_t r = 0; r < out.size(); ++r) {
    const float* row = w.data() + r * in;
    // Four double accumulators: exact enough, and lets the compiler vectorise.
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    std::size_t i = 0;
    for (; i + 4 <= in; i += 4) {
      a0 += static_cast<double>(row[i]) * x[i];
      a1 += static_cast<double>(row[i + 1]) * x[i + 1];
      a2 += static_cast<double>(row[i + 2]) * x[i + 2];
      a3 += static_cast<double>(row[i + 3]) * x[i + 3];
    }
    for (; i < in; ++i) a0 += static_cast<double>(row[i]) * x[i];
    out[r] = static_cast<float>((a0 + a1) + (a2 + a3));
  }
}

void rms_norm(std::span<const float> x, std::span<const float> w, float eps, std::span<float> out) noexcept {
  double sum = 0;
  for (float v : x) sum += static_cast<double>(v) * v;
  const double scale = 1.0 / std::sqrt(sum / static_cast<double>(x.size()) + eps);
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = static_cast<float>(w[i] * (x[i] * scale));
}

void rope(std::span<float> head, std::uint32_t position, std::span<const double> freqs, bool neox) noexcept {
  const std::size_t d = head.size();
  const std::size_t half = std::min(d / 2, freqs.size());
  for (std::size_t i = 0; i < half; ++i) {
    const double angle = static_cast<double>(position) * freqs[i];
    const double c = std::cos(angle), s = std::sin(angle);
    const std::size_t a = neox ? i : 2 * i;
    const std::size_t b = neox ? i + half : 2 * i + 1;
    const double x0 = head[a], x1 = head[b];
    head[a] = static_cast<float>(x0 * c - x1 * s);
    head[b] = static_cast<float>(x0 * s + x1 * c);
  }
}

void rope(std::span<float> head, std::uint32_t position, double theta, bool neox) {
  rope(head, position, rope_frequencies(theta, static_cast<std::uint32_t>(head.size())), neox);
}

float silu(float x) noexcept { return static_cast<float>(x / (1.0 + std::exp(-static_cast<double>(x)))); }

void softmax(std::span<float> x) noexcept {
  if (x.empty()) return;
  const float max = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (float& v : x) {
    const double e = std::exp(static_cast<double>(v) - max);
    v = static_cast<float>(e);
    sum += e;
  }
  for (float& v : x) v = static_cast<float>(v / sum);
}

}  // namespace npu::compiler::reference
