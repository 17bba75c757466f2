// Signal-to-quantization-noise ratio of a result against its reference: the energy of the
// reference over the energy of the difference, in dB, summed over any number of vectors (the
// compiler's calibration report and the tests measure quantized numerics with it).
#pragma once

#include <cmath>
#include <span>

namespace npu::compiler {

struct Sqnr {
  double signal = 0, noise = 0;

  void add(std::span<const float> reference, std::span<const float> result) noexcept {
    for (std::size_t i = 0; i < reference.size() && i < result.size(); ++i) {
      const double d = static_cast<double>(result[i]) - reference[i];
      signal += static_cast<double>(reference[i]) * reference[i];
      noise += d * d;
    }
  }
  // +infinity when the result equals the reference.
  [[nodiscard]] double db() const noexcept { return noise == 0 ? INFINITY : 10.0 * std::log10(signal / noise); }
};

}  // namespace npu::compiler
