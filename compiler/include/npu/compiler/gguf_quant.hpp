// Conversions between float and the ggml storage types: half/bfloat16 scalars, block
// dequantization and block quantization (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K,
// Q6_K: every type llama-quantize writes into Q4_K_M / Q5_K_M / Q6_K / Q8_0 files) for the reader
// and the GGUF writer. Layouts follow ggml's block structs byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/gguf_types.hpp"

namespace npu::compiler {

[[nodiscard]] float fp16_to_float(std::uint16_t bits) noexcept;
[[nodiscard]] std::uint16_t float_to_fp16(float value) noexcept;  // round to nearest even
[[nodiscard]] float bf16_to_float(std::uint16_t bits) noexcept;
[[nodiscard]] std::uint16_t float_to_bf16(float value) noexcept;  // round to nearest even

// Decodes `out.size()` weights of `type` from `data`. Errors: unsupported type (kUnsupported),
// a count that is not whole blocks, or too few bytes (kBadFormat).
[[nodiscard]] Expected<void> dequantize(GgmlType type, std::span<const std::byte> data,
                                        std::span<float> out);

// Encodes `values` as `type` (any type above). The count must be whole blocks.
[[nodiscard]] Expected<std::vector<std::byte>> quantize(GgmlType type, std::span<const float> values);

}  // namespace npu::compiler
