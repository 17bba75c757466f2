// IEEE binary16 and bfloat16 <-> binary32 conversions (bit manipulation, round to nearest even).
#include <bit>
#include <cmath>
#include <cstdint>

#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler {

float fp16_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: value = mant * 2^-24; normalise it.
    int shift = std::countl_zero(mant) - 21;  // leading zeros within the 10-bit field + 1
    mant = (mant << shift) & 0x3ffu;
    bits = sign | (static_cast<std::uint32_t>(113 - shift) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_fp16(float value) noexcept {
  const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  const std::uint16_t sign = static_cast<std::uint16_t>((f >> 16) & 0x8000u);
  const std::uint32_t abs = f & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or nan (keep nan quiet and non-zero)
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  }
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (abs < 0x38800000u) {
    // Result is subnormal or zero: scale into the integer range and round to nearest even.
    const float scaled = std::bit_cast<float>(abs) * 16777216.0f;  // * 2^24
    const auto m = static_cast<std::uint32_t>(std::nearbyint(scaled));
    return static_cast<std::uint16_t>(sign | m);
  }
  std::uint32_t rebased = abs - (112u << 23);  // rebias the exponent
  const std::uint32_t round_bit = 1u << 12;
  const std::uint32_t lower = rebased & 0x1fffu;
  std::uint32_t h = rebased >> 13;
  if (lower > round_bit || (lower == round_bit && (h & 1u))) ++h;  // carries into exponent correctly
  return static_cast<std::uint16_t>(sign | h);
}

float bf16_to_float(std::uint16_t bits) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

std::uint16_t float_to_bf16(float value) noexcept {
  std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  if ((f & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((f >> 16) | 0x40u);  // nan
  f += 0x7fffu + ((f >> 16) & 1u);
  return static_cast<std::uint16_t>(f >> 16);
}

}  // namespace npu::compiler
