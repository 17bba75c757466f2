// The building blocks of the fp32 reference, exposed so tests (and the quantized emulation later)
// can check each one in isolation. Matrices are ggml-shaped {in, out}: row r (length `in`) makes
// output r. Sums accumulate in double.
#pragma once

#include <cstdint>
#include <span>

namespace npu::compiler::reference {

// out[r] = sum_i w[r*in + i] * x[i], r < out.size(), in = x.size().
void matvec(std::span<const float> w, std::span<const float> x, std::span<float> out) noexcept;
// out = w * x / sqrt(mean(x^2) + eps)   (no "1 + w").
void rms_norm(std::span<const float> x, std::span<const float> w, float eps, std::span<float> out) noexcept;
// In-place rotary embedding of one head at `position`: pair i turns by position * freqs[i]
// (radians; rope_frequencies() in rope_scaling.hpp). neox: dimension i pairs with i + d/2;
// otherwise 2i pairs with 2i+1.
void rope(std::span<float> head, std::uint32_t position, std::span<const double> freqs, bool neox) noexcept;
// Plain RoPE: frequency of pair i is theta^(-2i/d).
void rope(std::span<float> head, std::uint32_t position, double theta, bool neox);
[[nodiscard]] float silu(float x) noexcept;
// In-place softmax (max-subtracted, double accumulation).
void softmax(std::span<float> x) noexcept;

}  // namespace npu::compiler::reference
