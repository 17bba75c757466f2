// CPU references for compiled networks. reference_forward() computes the device's int8 result
// bit-exactly from the compiled (quantized) data, following the kGemmI8 numerics as written in
// npu_abi/program.hpp — independently of the simulator's kernels, so tests can compare the two.
// float_forward() is the unquantized network, for judging quantization error.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/net_compiler.hpp"

namespace npu::compiler::net {

// out = clamp(round_half_up(acc * multiplier / 2^(31 + shift)) + zp, -128, 127)
[[nodiscard]] std::int8_t requantize(std::int32_t acc, std::int32_t multiplier, std::int32_t shift,
                                     std::int32_t zero_point) noexcept;

// input: [batch][input_features] int8; returns [batch][last units] int8.
[[nodiscard]] Expected<std::vector<std::int8_t>> reference_forward(const CompiledNet& net,
                                                                   std::span<const std::int8_t> input);

// input: [batch][input_features] real values; returns real outputs (no quantization).
[[nodiscard]] Expected<std::vector<float>> float_forward(const CompiledNet& net,
                                                         std::span<const float> input);

}  // namespace npu::compiler::net
