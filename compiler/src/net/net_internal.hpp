// Steps of the net compiler shared between its source files (not a public interface).
#pragma once

#include <span>
#include <vector>

#include "npu/compiler/net_compiler.hpp"

namespace npu::compiler::net {

// Float parameters and int8 weights for every layer (scales not yet calibrated).
[[nodiscard]] Expected<std::vector<QuantizedDense>> quantize_layers(const NetSpec& spec);
// Output scales, int32 biases and requantization for every layer.
[[nodiscard]] Expected<void> calibrate(const NetSpec& spec, std::vector<QuantizedDense>& layers);
// Segment layout, weights image, program and metadata.
[[nodiscard]] Expected<void> emit(CompiledNet& net);
// One dense layer in float: x [batch][in] -> [batch][out], activation applied.
[[nodiscard]] std::vector<float> dense_float(const QuantizedDense& layer, std::span<const float> x,
                                             std::uint32_t batch);

}  // namespace npu::compiler::net
