// Symmetric weight quantization (int4 / int8, per output row or per block) and float storage.
#include <cmath>
#include <cstring>

#include "llm_internal.hpp"
#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler::llm::detail {

MatrixStorage matrix_storage(std::uint32_t n, std::uint32_t k, const LinearPrecision& p) noexcept {
  const std::uint64_t count = std::uint64_t{n} * k;
  MatrixStorage s;
  switch (p.weights) {
    case WeightType::kF32: s.dtype = abi::DType::kF32; s.data_bytes = count * 4; return s;
    case WeightType::kF16: s.dtype = abi::DType::kF16; s.data_bytes = count * 2; return s;
    case WeightType::kInt8: s.dtype = abi::DType::kI8; s.data_bytes = count; break;
    case WeightType::kInt4: s.dtype = abi::DType::kI4; s.data_bytes = count / 2; break;  // K is even
  }
  s.group = (p.group != 0 && k % p.group == 0) ? p.group : 0;  // a block that does not divide K: per row
  s.scale_count = std::uint64_t{n} * (s.group == 0 ? 1 : k / s.group);
  return s;
}

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
  q.group = matrix_storage(n, k, p).group;
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
