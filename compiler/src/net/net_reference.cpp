// CPU references: the int8 path follows npu_abi/program.hpp's kGemmI8 numerics literally.
#include "npu/compiler/net_reference.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "net_internal.hpp"

namespace npu::compiler::net {

std::int8_t requantize(std::int32_t acc, std::int32_t multiplier, std::int32_t shift,
                       std::int32_t zero_point) noexcept {
  const std::int64_t rounding = std::int64_t{1} << (30 + shift);
  const std::int64_t scaled = (std::int64_t{acc} * multiplier + rounding) >> (31 + shift);
  return static_cast<std::int8_t>(std::clamp<std::int64_t>(scaled + zero_point, -128, 127));
}

Expected<std::vector<std::int8_t>> reference_forward(const CompiledNet& net,
                                                     std::span<const std::int8_t> input) {
  const std::uint32_t batch = net.spec.batch;
  if (input.size() != std::size_t{batch} * net.spec.input_features) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("reference input has {} values, expected {} ({} x {})", input.size(),
                            std::size_t{batch} * net.spec.input_features, batch,
                            net.spec.input_features));
  }
  std::vector<std::int8_t> x(input.begin(), input.end());
  for (const auto& q : net.layers) {
    std::vector<std::int8_t> y(std::size_t{batch} * q.out);
    for (std::uint32_t m = 0; m < batch; ++m) {
      const std::int8_t* a = x.data() + std::size_t{m} * q.in;
      for (std::uint32_t n = 0; n < q.out; ++n) {
        const std::int8_t* w = q.weights.data() + std::size_t{n} * q.in;
        std::int32_t acc = q.bias[n];
        for (std::uint32_t k = 0; k < q.in; ++k) acc += std::int32_t{a[k]} * std::int32_t{w[k]};
        std::int8_t out = requantize(acc, q.multiplier, q.shift, q.output_zero_point);
        if (q.activation == Activation::kRelu) {
          out = std::max<std::int8_t>(out, static_cast<std::int8_t>(q.output_zero_point));
        }
        y[std::size_t{m} * q.out + n] = out;
      }
    }
    x = std::move(y);
  }
  return x;
}

std::vector<float> dense_float(const QuantizedDense& q, std::span<const float> x, std::uint32_t batch) {
  std::vector<float> y(std::size_t{batch} * q.out);
  for (std::uint32_t m = 0; m < batch; ++m) {
    for (std::uint32_t n = 0; n < q.out; ++n) {
      double acc = q.float_bias[n];
      for (std::uint32_t k = 0; k < q.in; ++k) {
        acc += double{x[std::size_t{m} * q.in + k]} * q.float_weights[std::size_t{n} * q.in + k];
      }
      float v = static_cast<float>(acc);
      y[std::size_t{m} * q.out + n] = q.activation == Activation::kRelu ? std::max(v, 0.0f) : v;
    }
  }
  return y;
}

Expected<std::vector<float>> float_forward(const CompiledNet& net, std::span<const float> input) {
  if (input.size() != std::size_t{net.spec.batch} * net.spec.input_features) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("float input has {} values, expected {}", input.size(),
                            std::size_t{net.spec.batch} * net.spec.input_features));
  }
  std::vector<float> x(input.begin(), input.end());
  for (const auto& q : net.layers) x = dense_float(q, x, net.spec.batch);
  return x;
}

}  // namespace npu::compiler::net
