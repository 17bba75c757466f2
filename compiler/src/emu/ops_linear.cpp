// Matrix ops of the emulation: kLinear (float weights; int8 / int4 weights with int8 activations,
// per-row or per-block scales), the routed experts (kMoeRoute, kMoeLinear: npu_abi/moe.hpp over
// the same linear kernels) and the small-network kGemmI8.
#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "emu_internal.hpp"
#include "npu_abi/moe.hpp"
#include "parallel.hpp"
#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler::emu::detail {

using abi::DType;

namespace {

// Exact int32 dot product over GCC vector types (16 lanes: int8 -> int16 products, exact since
// |a * w| <= 2^14, then int32 lane sums); integer sums do not depend on the order.
using I8x16 = std::int8_t __attribute__((vector_size(16)));
using I16x16 = std::int16_t __attribute__((vector_size(32)));
using I32x16 = std::int32_t __attribute__((vector_size(64)));

std::int32_t dot_i8(const std::int8_t* a, const std::int8_t* w, std::uint32_t k) {
  I32x16 lanes = {};
  std::uint32_t i = 0;
  for (; i + 16 <= k; i += 16) {
    I8x16 va, vw;
    std::memcpy(&va, a + i, sizeof va);
    std::memcpy(&vw, w + i, sizeof vw);
    const I16x16 products = __builtin_convertvector(va, I16x16) * __builtin_convertvector(vw, I16x16);
    lanes += __builtin_convertvector(products, I32x16);
  }
  std::int32_t acc = 0;
  for (; i < k; ++i) acc += std::int32_t{a[i]} * std::int32_t{w[i]};
  for (int lane = 0; lane < 16; ++lane) acc += lanes[lane];
  return acc;
}

// Unpacks one row of K int4 weights (element 2i in the low nibble of byte i).
void unpack_i4(const std::uint8_t* packed, std::uint32_t k, std::int8_t* out) {
  for (std::uint32_t i = 0; i < k / 2; ++i) {
    const std::uint8_t b = packed[i];
    out[2 * i] = static_cast<std::int8_t>(static_cast<std::int8_t>(b << 4) >> 4);
    out[2 * i + 1] = static_cast<std::int8_t>(static_cast<std::int8_t>(b) >> 4);
  }
}

// Integer weights: `weights` I8 [N][K] or packed I4 [N][K/2], scales [N] or [N][K/G].
void linear_int(const std::int8_t* in, const std::byte* weights, bool i4, const float* s, float* out,
                std::uint32_t m_rows, std::uint32_t K, std::uint32_t N, std::uint32_t G, float a) {
  const std::uint32_t blocks = G == 0 ? 1 : K / G, bsize = G == 0 ? K : G;
  // Output features are independent: split them across threads.
  compiler::detail::parallel_rows(N, std::size_t(N) * K * m_rows, [&](std::size_t n_begin, std::size_t n_end) {
    std::vector<std::int8_t> row(K);
    for (std::size_t n = n_begin; n < n_end; ++n) {
      const std::int8_t* w;
      if (i4) {
        unpack_i4(reinterpret_cast<const std::uint8_t*>(weights) + n * (K / 2), K, row.data());
        w = row.data();
      } else {
        w = reinterpret_cast<const std::int8_t*>(weights) + n * K;
      }
      for (std::uint32_t m = 0; m < m_rows; ++m) {
        const std::int8_t* x = in + std::size_t(m) * K;
        if (G == 0) {
          out[std::size_t(m) * N + n] = static_cast<float>(dot_i8(x, w, K)) * (a * s[n]);
          continue;
        }
        float t = 0.0f;
        for (std::uint32_t b = 0; b < blocks; ++b) {
          const std::int32_t acc = dot_i8(x + std::size_t(b) * bsize, w + std::size_t(b) * bsize, bsize);
          t = t + static_cast<float>(acc) * s[n * blocks + b];
        }
        out[std::size_t(m) * N + n] = t * a;
      }
    }
  });
}

// Float weights: `weights` F32|F16|BF16 [N][K].
void linear_float(const float* in, const std::byte* weights, DType type, float* out, std::uint32_t m_rows,
                  std::uint32_t K, std::uint32_t N) {
  compiler::detail::parallel_rows(N, std::size_t(N) * K * m_rows, [&](std::size_t n_begin, std::size_t n_end) {
    std::vector<float> row(type == DType::kF32 ? 0 : K);
    for (std::size_t n = n_begin; n < n_end; ++n) {
      const float* w;
      if (type == DType::kF32) {
        w = reinterpret_cast<const float*>(weights) + n * K;
      } else {
        const auto* bits = reinterpret_cast<const std::uint16_t*>(weights) + n * K;
        for (std::uint32_t k = 0; k < K; ++k) row[k] = type == DType::kF16 ? fp16_to_float(bits[k]) : bf16_to_float(bits[k]);
        w = row.data();
      }
      for (std::uint32_t m = 0; m < m_rows; ++m) {
        const float* x = in + std::size_t(m) * K;
        // Free summation order for float weights (program.hpp): four double accumulators.
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        std::uint32_t k = 0;
        for (; k + 4 <= K; k += 4) {
          a0 += static_cast<double>(w[k]) * x[k];
          a1 += static_cast<double>(w[k + 1]) * x[k + 1];
          a2 += static_cast<double>(w[k + 2]) * x[k + 2];
          a3 += static_cast<double>(w[k + 3]) * x[k + 3];
        }
        for (; k < K; ++k) a0 += static_cast<double>(w[k]) * x[k];
        out[std::size_t(m) * N + n] = static_cast<float>((a0 + a1) + (a2 + a3));
      }
    }
  });
}

// One linear of kLinear's numerics over `m` rows of `in` (int8 or f32, by the weights' dtype).
void linear_rows(const abi::OpDesc& op, const void* in, const std::byte* weights, const float* scales, float* out,
                 std::uint32_t m) {
  const auto type = static_cast<DType>(op.operands[1].dtype);
  const std::uint32_t K = op.dims[1], N = op.dims[2];
  if (type == DType::kI8 || type == DType::kI4) {
    float a;
    std::memcpy(&a, &op.params[0], sizeof a);
    linear_int(static_cast<const std::int8_t*>(in), weights, type == DType::kI4, scales, out, m, K, N, op.dims[3], a);
  } else {
    linear_float(static_cast<const float*>(in), weights, type, out, m, K, N);
  }
}

}  // namespace

void run_linear(const OpContext& c) {
  linear_rows(c.op, c.operand[0], c.operand[1], c.as<const float>(2), c.as<float>(3), c.rows());
}

void run_moe_route(const OpContext& c) {
  abi::moe_route(c.as<const float>(0), c.operand[1] != nullptr ? c.as<const float>(1) : nullptr, c.rows(),
                 abi::moe_route_params(c.op), c.as<abi::MoeRouteEntry>(3));
}

Expected<void> run_moe_linear(const OpContext& c, const abi::MoeRouteEntry* route) {
  const abi::MoeLinearShape s = abi::moe_linear_shape(c.op, c.rows());
  const bool ran = abi::moe_linear_run(s, route, c.operand[0], c.as<float>(3),
                                       [&](std::uint64_t e, const void* x, std::uint64_t m, float* y) {
    const float* scales = s.int_weights ? c.as<const float>(2) + e * s.scale_count : nullptr;
    linear_rows(c.op, x, c.operand[1] + e * s.weight_bytes, scales, y, static_cast<std::uint32_t>(m));
  });
  if (!ran) return fail(ErrorCode::kBadFormat, fmt::format("moe_linear: the route table names an expert outside 0..{}", s.experts - 1));
  return {};
}

void run_gemm_i8(const OpContext& c) {
  const std::uint32_t M = c.op.dims[0], K = c.op.dims[1], N = c.op.dims[2];
  const auto* bias = c.operand[2] != nullptr ? c.as<const std::int32_t>(2) : nullptr;
  const std::int64_t mult = c.op.params[0], shift = c.op.params[1], zp = c.op.params[2];
  for (std::uint32_t m = 0; m < M; ++m) {
    for (std::uint32_t n = 0; n < N; ++n) {
      std::int32_t acc = dot_i8(c.as<const std::int8_t>(0) + std::size_t(m) * K,
                                c.as<const std::int8_t>(1) + std::size_t(n) * K, K);
      if (bias != nullptr) acc += bias[n];
      std::int64_t v = ((std::int64_t{acc} * mult + (std::int64_t{1} << (30 + shift))) >> (31 + shift)) + zp;
      if (c.op.params[3] == 1) v = std::max<std::int64_t>(v, zp);
      c.as<std::int8_t>(3)[std::size_t(m) * N + n] = static_cast<std::int8_t>(std::clamp<std::int64_t>(v, -128, 127));
    }
  }
}

}  // namespace npu::compiler::emu::detail
