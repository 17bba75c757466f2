// Symmetric weight quantization (int4 / int8, per output row or per block) and float storage.
#include <cmath>
#include <cstring>

#include "llm_internal.hpp"
#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler::llm::detail {

QuantizedMatrix quantize_matrix(std::span<const float> w, std::uint32_t n, std::uint32_t k, const LinearPrecision& p) {
  QuantizedMatrix q;
  const std::size_t count = std::size_t(n) * k;
  if (p.weights == WeightType::kF32) {
    q.dtype = abi::DType::kF32;
    q.data.resize(count * 4);
    std::memcpy(q.data.data(), w.data(), count * 4);
    return q;
  }
  if (p.weights == WeightType::kF16) {
    q.dtype = abi::DType::kF16;
    q.data.resize(count * 2);
    auto* out = reinterpret_cast<std::uint16_t*>(q.data.data());
    for (std::size_t i = 0; i < count; ++i) out[i] = float_to_fp16(w[i]);
    return q;
  }
  const bool i4 = p.weights == WeightType::kInt4;
  const float qmax = i4 ? 7.0f : 127.0f;
  q.dtype = i4 ? abi::DType::kI4 : abi::DType::kI8;
  q.group = (p.group != 0 && k % p.group == 0) ? p.group : 0;  // a block that does not divide K: per row
  const std::uint32_t bsize = q.group == 0 ? k : q.group, blocks = k / bsize;
  q.scales.resize(std::size_t(n) * blocks);
  std::vector<std::int8_t> values(count);
  for (std::uint32_t r = 0; r < n; ++r) {
    for (std::uint32_t b = 0; b < blocks; ++b) {
      const std::size_t base = std::size_t(r) * k + std::size_t(b) * bsize;
      float amax = 0.0f;
      for (std::uint32_t i = 0; i < bsize; ++i) amax = std::max(amax, std::fabs(w[base + i]));
      const float scale = amax / qmax;  // no clipping: the largest weight maps to +-qmax
      q.scales[std::size_t(r) * blocks + b] = scale;
      for (std::uint32_t i = 0; i < bsize; ++i) {
        const float v = scale > 0.0f ? std::nearbyint(w[base + i] / scale) : 0.0f;
        values[base + i] = static_cast<std::int8_t>(std::clamp(v, -qmax, qmax));
      }
    }
  }
  if (!i4) {
    q.data.resize(count);
    std::memcpy(q.data.data(), values.data(), count);
    return q;
  }
  q.data.resize(count / 2);  // K is even: each row packs into whole bytes
  for (std::size_t i = 0; i < count / 2; ++i) {
    const auto lo = static_cast<std::uint8_t>(values[2 * i]) & 0x0f;
    const auto hi = static_cast<std::uint8_t>(values[2 * i + 1]) & 0x0f;
    q.data[i] = static_cast<std::byte>(lo | (hi << 4));
  }
  return q;
}

}  // namespace npu::compiler::llm::detail
