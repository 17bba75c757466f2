// 512-bit AVX-512 VNNI kernels for the linear_int shapes that dominate LLM decode, beside the
// 256-bit tile code of linear_int_tile.inc (which covers every other SIMD shape). Each weight row
// is read front to back (one sequential stream per column: the hardware prefetchers keep up
// with that far better than with eight interleaved rows).
//   - per-row scales (group 0), I8 weights, k % 64 == 0: eight columns, 64 weights per step;
//   - per-row scales, packed I4 weights, k % 128 == 0: 128 weights (64 bytes) per step, low and
//     high nibbles in two vpdpbusd against activations stored evens-then-odds (two columns side
//     by side, sharing those loads, measured slower: a second stream costs more than it saves);
//   - per-block-32 scales, I8 weights (the int8 block-32 head), k % 512 == 0: sixteen columns,
//     the block sums of each column in lanes, products transposed so the float steps stay per
//     output in the reference order (t = t + (float)acc_b * s_b, then * act_scale).
// Weights are made unsigned (I4 + 8, I8 + 128, by xor) against signed activations; the bias is
// removed with the activations' sums (integer arithmetic wraps mod 2^32, as the reference).
// (Internal to sim/src/kernels; x86-64 only.)
#pragma once

#include <cstddef>

#include "linear_int.hpp"

namespace npu::sim::kernels::zmm {

// Columns a zmm kernel handles in one tile for these arguments, or 0 when the shape is not one of
// the above (the caller then uses the 256-bit tiles).
[[nodiscard]] std::size_t tile_columns(const LinearIntArgs& a) noexcept;

// Computes columns [n0, n1) for every row; (n1 - n0) must be a multiple of tile_columns(a).
void run(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept;

}  // namespace npu::sim::kernels::zmm
