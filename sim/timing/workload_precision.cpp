// Quantization schemes and named precision policies of the workload model.
#include <fmt/format.h>

#include "npu/sim/workload_shape.hpp"

namespace npu::sim {

std::string_view to_string(QuantScheme s) noexcept {
  switch (s) {
    case QuantScheme::kW4A8: return "w4a8";
    case QuantScheme::kW8A8: return "w8a8";
    case QuantScheme::kW4A16: return "w4a16";
    case QuantScheme::kW8A16: return "w8a16";
    case QuantScheme::kFp16: return "fp16";
    case QuantScheme::kFp32: return "fp32";
  }
  return "?";
}

Expected<QuantScheme> parse_quant_scheme(std::string_view text) {
  for (auto s : {QuantScheme::kW4A8, QuantScheme::kW8A8, QuantScheme::kW4A16,
                 QuantScheme::kW8A16, QuantScheme::kFp16, QuantScheme::kFp32}) {
    if (text == to_string(s)) return s;
  }
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("unknown quantization scheme \"{}\"; use w4a8, w8a8, w4a16, w8a16, "
                          "fp16 or fp32",
                          text));
}

std::uint32_t weight_bits(QuantScheme s) noexcept {
  switch (s) {
    case QuantScheme::kW4A8:
    case QuantScheme::kW4A16: return 4;
    case QuantScheme::kW8A8:
    case QuantScheme::kW8A16: return 8;
    case QuantScheme::kFp16: return 16;
    case QuantScheme::kFp32: return 32;
  }
  return 8;
}

std::uint32_t activation_bits(QuantScheme s) noexcept {
  switch (s) {
    case QuantScheme::kW4A8:
    case QuantScheme::kW8A8: return 8;
    case QuantScheme::kW4A16:
    case QuantScheme::kW8A16:
    case QuantScheme::kFp16: return 16;
    case QuantScheme::kFp32: return 32;
  }
  return 8;
}

Expected<PrecisionPolicy> PrecisionPolicy::named(std::string_view name) {
  PrecisionPolicy p;
  if (name == "default") return p;
  // w4a8 / w8a8 as the compiler's built-in policies of those names emit them: one scale per
  // output row (group_size 0), head int8 per row.
  if (name == "w4a8") {
    p.attention_layers = QuantScheme::kW4A8;
    p.group_size = 0;
    return p;
  }
  if (name == "w8a8") {
    p.conv_layers = QuantScheme::kW8A8;
    p.group_size = 0;
    return p;
  }
  if (name == "fp16") {
    p.attention_layers = p.conv_layers = p.head = p.kv_cache = QuantScheme::kFp16;
    return p;
  }
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("unknown precision policy \"{}\"; use default, w4a8, w8a8 or fp16",
                          name));
}

}  // namespace npu::sim
