// Block encoders of the GGUF writer (quantize.cpp dispatches): one block of weights in, the
// block's bytes out, laid out as ggml's block structs (dequantize.cpp documents each layout).
#pragma once

#include <cstddef>

namespace npu::compiler::detail {

// 32-weight blocks (quantize.cpp).
void q8_0_block(const float* x, std::byte* out);  // 34 B
void q4_0_block(const float* x, std::byte* out);  // 18 B
void q4_1_block(const float* x, std::byte* out);  // 20 B
void q5_0_block(const float* x, std::byte* out);  // 22 B
void q5_1_block(const float* x, std::byte* out);  // 24 B
// 256-weight "K" super-blocks (quantize_k.cpp).
void q4_k_block(const float* x, std::byte* out);  // 144 B
void q5_k_block(const float* x, std::byte* out);  // 176 B
void q6_k_block(const float* x, std::byte* out);  // 210 B

}  // namespace npu::compiler::detail
