// Row-wise and element-wise ops of the emulation: embed, RMSNorm, quantize, SwiGLU, add,
// copy-row, argmax. Float math in float (no FMA: the project builds with -ffp-contract=off).
#include <cmath>

#include <fmt/format.h>

#include "emu_internal.hpp"
#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler::emu::detail {

using abi::DType;

Expected<void> run_embed(const OpContext& c) {
  const std::uint32_t n = c.rows(), D = c.op.dims[1], V = c.op.dims[2];
  const auto* ids = c.as<const std::int32_t>(0);
  float* out = c.as<float>(3);
  const auto type = static_cast<DType>(c.op.operands[1].dtype);
  for (std::uint32_t r = 0; r < n; ++r) {
    const std::int32_t id = ids[r];
    if (id < 0 || static_cast<std::uint32_t>(id) >= V) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("token id {} in row {} is outside the vocabulary [0, {})", id, r, V));
    }
    const std::size_t base = std::size_t(id) * D;
    float* o = out + std::size_t(r) * D;
    switch (type) {
      case DType::kF32: std::memcpy(o, c.as<const float>(1) + base, D * sizeof(float)); break;
      case DType::kF16:
        for (std::uint32_t i = 0; i < D; ++i) o[i] = fp16_to_float(c.as<const std::uint16_t>(1)[base + i]);
        break;
      case DType::kBF16:
        for (std::uint32_t i = 0; i < D; ++i) o[i] = bf16_to_float(c.as<const std::uint16_t>(1)[base + i]);
        break;
      default: {  // kI8 with per-row scales
        const float s = c.as<const float>(2)[id];
        const auto* q = c.as<const std::int8_t>(1) + base;
        for (std::uint32_t i = 0; i < D; ++i) o[i] = static_cast<float>(q[i]) * s;
      }
    }
  }
  return {};
}

void run_rms_norm(const OpContext& c) {
  const std::uint32_t n = c.rows(), W = c.op.dims[1];
  const float eps = c.fparam(0);
  const float* w = c.as<const float>(1);
  for (std::uint32_t r = 0; r < n; ++r) {
    const float* x = c.as<const float>(0) + std::size_t(r) * W;
    float* o = c.as<float>(3) + std::size_t(r) * W;
    double ss = 0.0;
    for (std::uint32_t i = 0; i < W; ++i) ss += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / W + static_cast<double>(eps)));
    for (std::uint32_t i = 0; i < W; ++i) o[i] = (x[i] * inv) * w[i];
  }
}

void run_quantize(const OpContext& c) {
  const std::size_t count = std::size_t(c.rows()) * c.op.dims[1];
  const float inv_scale = c.fparam(0);
  const float* x = c.as<const float>(0);
  auto* o = c.as<std::int8_t>(3);
  for (std::size_t i = 0; i < count; ++i) {
    const float q = std::nearbyint(x[i] * inv_scale);
    if (std::isnan(q)) o[i] = 0;  // not reachable from finite activations; keeps the cast defined
    else o[i] = static_cast<std::int8_t>(q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q);
  }
}

void run_swiglu(const OpContext& c) {
  const std::size_t count = std::size_t(c.rows()) * c.op.dims[1];
  const float* g = c.as<const float>(0);
  const float* u = c.as<const float>(1);
  float* o = c.as<float>(3);
  for (std::size_t i = 0; i < count; ++i) o[i] = (g[i] / (1.0f + std::exp(-g[i]))) * u[i];
}

void run_add(const OpContext& c) {
  const std::uint32_t n = c.rows(), W = c.op.dims[1];
  const bool broadcast = (c.op.flags & abi::kBroadcastB) != 0;
  for (std::uint32_t r = 0; r < n; ++r) {
    const float* a = c.as<const float>(0) + std::size_t(r) * W;
    const float* b = c.as<const float>(1) + (broadcast ? 0 : std::size_t(r) * W);
    float* o = c.as<float>(3) + std::size_t(r) * W;
    for (std::uint32_t i = 0; i < W; ++i) o[i] = a[i] + b[i];
  }
}

Expected<void> run_copy_row(const OpContext& c) {
  const std::uint32_t n = c.rows(), bytes = c.op.dims[1];
  const std::int32_t want = c.op.params[0];
  if (want == -1 && n == 0) return fail(ErrorCode::kInvalidArgument, "copy of the last valid row with 0 valid rows");
  const std::int64_t row = want == -1 ? std::int64_t{n} - 1 : want;
  if (row < 0 || row >= std::int64_t{c.op.dims[0]}) {
    return fail(ErrorCode::kBadFormat, fmt::format("copy-row index {} outside [0, {})", row, c.op.dims[0]));
  }
  std::memmove(c.operand[3], c.operand[0] + std::size_t(row) * bytes, bytes);
  return {};
}

void run_argmax(const OpContext& c) {
  const std::uint32_t n = c.rows(), W = c.op.dims[1];
  for (std::uint32_t r = 0; r < n; ++r) {
    const float* x = c.as<const float>(0) + std::size_t(r) * W;
    std::int32_t best = -1;
    for (std::uint32_t i = 0; i < W; ++i) {
      if (std::isnan(x[i])) continue;
      if (best < 0 || x[i] > x[best]) best = static_cast<std::int32_t>(i);
    }
    c.as<std::int32_t>(3)[r] = best < 0 ? 0 : best;
  }
}

}  // namespace npu::compiler::emu::detail
