// Ops that see positions: LFM2's short convolution (with its conv state), RoPE, KV-cache append
// and causal GQA attention over the cache.
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "emu_internal.hpp"
#include "npu/compiler/gguf_quant.hpp"
#include "npu_abi/kv_cache.hpp"

namespace npu::compiler::emu::detail {

using abi::DType;

void run_short_conv(const OpContext& c) {
  const std::uint32_t n = c.rows(), D = c.op.dims[1], L = c.op.dims[2];
  const float* in = c.as<const float>(0);
  const float* w = c.as<const float>(1);
  float* state = c.as<float>(2);
  float* out = c.as<float>(3);
  if (c.position == 0) std::fill_n(state, std::size_t(L - 1) * D, 0.0f);
  // hist: the L-1 state rows (oldest first), then this run's B*x rows.
  std::vector<float> hist(std::size_t(L - 1 + n) * D);
  std::copy_n(state, std::size_t(L - 1) * D, hist.begin());
  for (std::uint32_t t = 0; t < n; ++t) {
    const float* row = in + std::size_t(t) * 3 * D;
    float* bx = hist.data() + std::size_t(L - 1 + t) * D;
    for (std::uint32_t d = 0; d < D; ++d) bx[d] = row[d] * row[2 * D + d];
  }
  for (std::uint32_t t = 0; t < n; ++t) {
    const float* C = in + std::size_t(t) * 3 * D + D;
    for (std::uint32_t d = 0; d < D; ++d) {
      float y = 0.0f;
      for (std::uint32_t j = 0; j < L; ++j) y = y + w[std::size_t(d) * L + j] * hist[std::size_t(t + j) * D + d];
      out[std::size_t(t) * D + d] = C[d] * y;
    }
  }
  std::copy_n(hist.end() - std::ptrdiff_t(L - 1) * D, std::size_t(L - 1) * D, state);
}

void run_rope(const OpContext& c) {
  const std::uint32_t n = c.rows(), heads = c.op.dims[1], hd = c.op.dims[2], half = hd / 2;
  const double theta = static_cast<double>(c.fparam(0));
  const float* table = c.as<const float>(1);  // per-pair frequencies, or nullptr: from theta
  std::vector<float> cs(half), sn(half);
  for (std::uint32_t r = 0; r < n; ++r) {
    const std::int64_t p = std::int64_t{c.position} + r;
    for (std::uint32_t i = 0; i < half; ++i) {
      const double f = table != nullptr ? static_cast<double>(table[i]) : std::pow(theta, -2.0 * i / hd);
      const double ang = static_cast<double>(p) * f;
      cs[i] = static_cast<float>(std::cos(ang));
      sn[i] = static_cast<float>(std::sin(ang));
    }
    for (std::uint32_t h = 0; h < heads; ++h) {
      float* x = c.as<float>(0) + (std::size_t(r) * heads + h) * hd;
      for (std::uint32_t i = 0; i < half; ++i) {
        const float x0 = x[i], x1 = x[i + half];
        x[i] = x0 * cs[i] - x1 * sn[i];
        x[i + half] = x0 * sn[i] + x1 * cs[i];
      }
    }
  }
}

Expected<void> run_kv_append(const OpContext& c) {
  const std::uint32_t n = c.rows(), kvh = c.op.dims[1], hd = c.op.dims[2], cap = c.op.dims[3];
  const std::size_t stride = std::size_t(kvh) * hd;
  if (n > 0 && std::int64_t{c.position} + n > cap) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("KV append at positions {}..{} exceeds the cache capacity of {} positions",
                            c.position, std::int64_t{c.position} + n - 1, cap));
  }
  const auto type = static_cast<DType>(c.op.operands[2].dtype);
  const bool f16 = type == DType::kF16;
  std::int8_t* const i8 = c.as<std::int8_t>(2);
  float* const scales = reinterpret_cast<float*>(i8 + abi::kv_int8_scales_offset(cap, kvh, hd));
  for (std::uint32_t r = 0; r < n; ++r) {
    const std::size_t p = std::size_t(c.position) + r;
    for (int kv = 0; kv < 2; ++kv) {
      const float* src = c.as<const float>(kv) + r * stride;
      const std::size_t dst = (std::size_t(kv) * cap + p) * stride;
      if (type == DType::kI8) {  // one scale per position, KV head and K or V
        for (std::size_t g = 0; g < kvh; ++g)
          scales[dst / hd + g] = abi::kv_quantize(src + g * hd, hd, i8 + dst + g * hd);
      } else if (f16) {
        for (std::size_t i = 0; i < stride; ++i) c.as<std::uint16_t>(2)[dst + i] = float_to_fp16(src[i]);
      } else {
        std::copy_n(src, stride, c.as<float>(2) + dst);
      }
    }
  }
  return {};
}

Expected<void> run_attention(const OpContext& c) {
  const std::uint32_t n = c.rows(), heads = c.op.dims[1], kvh = c.op.dims[2], hd = c.op.dims[3], cap = c.op.dims[4];
  if (n > 0 && std::int64_t{c.position} + n > cap) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("attention at position {} is beyond the cache capacity of {} positions",
                            std::int64_t{c.position} + n - 1, cap));
  }
  const std::size_t stride = std::size_t(kvh) * hd;
  const auto type = static_cast<DType>(c.op.operands[2].dtype);
  const std::int8_t* const i8 = c.as<const std::int8_t>(2);
  const float* const scales = reinterpret_cast<const float*>(i8 + abi::kv_int8_scales_offset(cap, kvh, hd));
  auto cache = [&](std::size_t index) -> double {
    if (type == DType::kI8) return abi::kv_value(i8[index], scales[index / hd]);
    return type == DType::kF16 ? static_cast<double>(fp16_to_float(c.as<const std::uint16_t>(2)[index]))
                               : static_cast<double>(c.as<const float>(2)[index]);
  };
  const double scale = static_cast<double>(c.fparam(0));
  const std::uint32_t group = heads / kvh;
  std::vector<double> e;
  for (std::uint32_t r = 0; r < n; ++r) {
    const std::size_t p = std::size_t(c.position) + r;
    e.resize(p + 1);
    for (std::uint32_t h = 0; h < heads; ++h) {
      const std::size_t g = h / group;
      const float* q = c.as<const float>(0) + (std::size_t(r) * heads + h) * hd;
      double m = -INFINITY;
      for (std::size_t j = 0; j <= p; ++j) {
        const std::size_t k = j * stride + g * hd;
        double dot = 0.0;
        for (std::uint32_t i = 0; i < hd; ++i) dot += static_cast<double>(q[i]) * cache(k + i);
        e[j] = dot * scale;
        m = std::max(m, e[j]);
      }
      double sum = 0.0;
      for (std::size_t j = 0; j <= p; ++j) {
        e[j] = std::exp(e[j] - m);
        sum += e[j];
      }
      float* o = c.as<float>(3) + (std::size_t(r) * heads + h) * hd;
      const std::size_t vbase = std::size_t(cap) * stride + g * hd;
      for (std::uint32_t i = 0; i < hd; ++i) {
        double acc = 0.0;
        for (std::size_t j = 0; j <= p; ++j) acc += e[j] * cache(vbase + j * stride + i);
        o[i] = static_cast<float>(acc / sum);
      }
    }
  }
  return {};
}

}  // namespace npu::compiler::emu::detail
