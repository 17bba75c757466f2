// Float -> ggml storage for the GGUF writer: F32, F16, BF16, Q8_0 and Q4_0, encoded the way
// ggml's reference quantizers do (Q8_0: d = amax/127, round; Q4_0: d = signed-max/-8).
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler {
namespace {

void store_u16(std::byte* p, std::uint16_t v) { std::memcpy(p, &v, 2); }

void q8_0_block(const float* x, std::byte* out) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_u16(out, float_to_fp16(d));
  for (int j = 0; j < 32; ++j) {
    out[2 + j] = static_cast<std::byte>(static_cast<std::int8_t>(std::lround(x[j] * id)));
  }
}

void q4_0_block(const float* x, std::byte* out) {
  // The value of largest magnitude, with its sign, maps to -8 so the full range is used.
  float max = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > std::fabs(max)) max = x[j];
  }
  const float d = max / -8.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_u16(out, float_to_fp16(d));
  for (int j = 0; j < 16; ++j) {
    auto q = [&](float v) {
      return static_cast<std::uint8_t>(std::min(15, static_cast<int>(v * id + 8.5f)));
    };
    out[2 + j] = static_cast<std::byte>(q(x[j]) | (q(x[j + 16]) << 4));
  }
}

}  // namespace

Expected<std::vector<std::byte>> quantize(GgmlType type, std::span<const float> values) {
  for (float v : values) {
    if (!std::isfinite(v)) {
      return fail(ErrorCode::kInvalidArgument, "cannot quantize a tensor that contains inf or nan");
    }
  }
  NPU_TRY_ASSIGN(std::uint64_t bytes, ggml_storage_bytes(type, values.size()));
  std::vector<std::byte> out(bytes);
  const std::size_t n = values.size();
  switch (type) {
    case GgmlType::kF32:
      std::memcpy(out.data(), values.data(), n * 4);
      return out;
    case GgmlType::kF16:
      for (std::size_t i = 0; i < n; ++i) store_u16(out.data() + 2 * i, float_to_fp16(values[i]));
      return out;
    case GgmlType::kBF16:
      for (std::size_t i = 0; i < n; ++i) store_u16(out.data() + 2 * i, float_to_bf16(values[i]));
      return out;
    case GgmlType::kQ8_0:
      for (std::size_t b = 0; b < n / 32; ++b) q8_0_block(values.data() + 32 * b, out.data() + 34 * b);
      return out;
    case GgmlType::kQ4_0:
      for (std::size_t b = 0; b < n / 32; ++b) q4_0_block(values.data() + 32 * b, out.data() + 18 * b);
      return out;
    default:
      return fail(ErrorCode::kUnsupported,
                  fmt::format("the GGUF writer cannot quantize to {} (supported: F32, F16, BF16, "
                              "Q8_0, Q4_0)", ggml_type_name(type)));
  }
}

}  // namespace npu::compiler
