// Quantization of a NetSpec: float parameters (given, or drawn from the seed), symmetric int8
// weights per tensor, int32 biases, calibrated output scales and the requantization multiplier.
#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "net_internal.hpp"
#include "npu/compiler/net_compiler.hpp"

namespace npu::compiler::net {
namespace {

// Uniform in [-1, 1) from a 64-bit engine, defined bit for bit (std distributions are not).
float uniform_pm1(std::mt19937_64& rng) {
  return static_cast<float>(static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

float max_abs(std::span<const float> v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace

Expected<Requant> choose_requant(double m) {
  if (!(m > 0) || !(m < 1)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("requantization multiplier {} is outside (0, 1)", m));
  }
  int exp = 0;
  double frac = std::frexp(m, &exp);  // m = frac * 2^exp, frac in [0.5, 1), exp <= 0
  auto mult = static_cast<std::int64_t>(std::llround(frac * 0x1.0p31));
  if (mult == (std::int64_t{1} << 31)) {  // frac rounded up to 1.0
    mult >>= 1;
    ++exp;
  }
  int shift = -exp;
  if (shift > 31) {  // below 2^-32: use the smallest shift's resolution
    mult = std::llround(m * 0x1.0p62);
    shift = 31;
    if (mult == 0) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("requantization multiplier {} is too small to represent", m));
    }
  }
  return Requant{static_cast<std::int32_t>(mult), shift};
}

Expected<std::vector<QuantizedDense>> quantize_layers(const NetSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  std::vector<QuantizedDense> layers;
  std::uint32_t in = spec.input_features;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const DenseLayerSpec& d = spec.layers[i];
    QuantizedDense q;
    q.name = d.name;
    q.in = in;
    q.out = d.units;
    q.activation = d.activation;
    // Parameters: explicit, or Glorot-uniform weights and small biases from the seed. Draws
    // happen for every layer in order, so the stream does not depend on which layers are explicit.
    const float limit = std::sqrt(6.0f / static_cast<float>(q.in + q.out));
    q.float_weights.resize(std::size_t{q.out} * q.in);
    q.float_bias.resize(q.out);
    for (float& w : q.float_weights) w = uniform_pm1(rng) * limit;
    for (float& b : q.float_bias) b = uniform_pm1(rng) * 0.1f;
    if (d.weights) q.float_weights = *d.weights;
    if (d.bias) q.float_bias = *d.bias;

    float wmax = max_abs(q.float_weights);
    q.weight_scale = wmax > 0 ? wmax / 127.0f : 1.0f;
    q.weights.resize(q.float_weights.size());
    for (std::size_t k = 0; k < q.weights.size(); ++k) {
      float v = std::nearbyint(q.float_weights[k] / q.weight_scale);
      q.weights[k] = static_cast<std::int8_t>(std::clamp(v, -127.0f, 127.0f));
    }
    layers.push_back(std::move(q));
    in = d.units;
  }
  return layers;
}

// Output scales: explicit, or max |output| of the float network over seeded random inputs that
// span the input's int8 range. The multiplier must stay below 1, so the scale is kept above the
// accumulator's scale (it only loses resolution the int8 output could not show anyway).
Expected<void> calibrate(const NetSpec& spec, std::vector<QuantizedDense>& layers) {
  std::mt19937_64 rng(spec.seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<float> maxima(layers.size(), 0.0f);
  for (std::uint32_t s = 0; s < spec.calibration_samples; ++s) {
    std::vector<float> x(spec.input_features);
    for (float& v : x) v = std::nearbyint(uniform_pm1(rng) * 127.0f) * spec.input_scale;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      x = dense_float(layers[i], x, 1);
      maxima[i] = std::max(maxima[i], max_abs(x));
    }
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    QuantizedDense& q = layers[i];
    q.input_scale = i == 0 ? spec.input_scale : layers[i - 1].output_scale;
    const auto& given = spec.layers[i].output_scale;
    q.output_scale = given ? *given : (maxima[i] > 0 ? maxima[i] / 127.0f : 1.0f);
    const double acc_scale = static_cast<double>(q.input_scale) * q.weight_scale;
    if (q.output_scale <= acc_scale * 1.000001) {
      if (given) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("layer '{}': output_scale {} must exceed input_scale * weight_scale "
                                "= {} (requantization can only scale down)", q.name, q.output_scale, acc_scale));
      }
      q.output_scale = static_cast<float>(acc_scale * 1.0001);
    }
    // Biases are in accumulator units, which depend on the input scale settled just above.
    q.bias.resize(q.out);
    for (std::size_t n = 0; n < q.out; ++n) {
      double v = std::nearbyint(q.float_bias[n] / acc_scale);
      if (std::fabs(v) > 1e9) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("layer '{}': bias[{}] = {} does not fit int32 at scale {} (use a "
                                "larger input scale or a smaller bias)", q.name, n, q.float_bias[n], acc_scale));
      }
      q.bias[n] = static_cast<std::int32_t>(v);
    }
    NPU_TRY_ASSIGN(Requant r, choose_requant(acc_scale / q.output_scale));
    q.multiplier = r.multiplier;
    q.shift = r.shift;
  }
  return {};
}

}  // namespace npu::compiler::net
