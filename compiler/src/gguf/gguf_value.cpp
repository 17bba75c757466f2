#include "npu/compiler/gguf_value.hpp"

#include <limits>
#include <type_traits>

#include <fmt/format.h>

namespace npu::compiler {

std::string_view to_string(GgufValueType type) noexcept {
  switch (type) {
    case GgufValueType::kU8: return "u8";
    case GgufValueType::kI8: return "i8";
    case GgufValueType::kU16: return "u16";
    case GgufValueType::kI16: return "i16";
    case GgufValueType::kU32: return "u32";
    case GgufValueType::kI32: return "i32";
    case GgufValueType::kF32: return "f32";
    case GgufValueType::kBool: return "bool";
    case GgufValueType::kString: return "string";
    case GgufValueType::kArray: return "array";
    case GgufValueType::kU64: return "u64";
    case GgufValueType::kI64: return "i64";
    case GgufValueType::kF64: return "f64";
  }
  return "unknown";
}

namespace {

template <class T>
constexpr bool kIsInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

Error wrong_type(const GgufValue& v, std::string_view wanted) {
  return Error(ErrorCode::kBadFormat,
               fmt::format("expected {} but the value is {}", wanted, v.describe()));
}

}  // namespace

Expected<std::uint64_t> GgufValue::as_u64() const {
  return std::visit(
      [&](const auto& x) -> Expected<std::uint64_t> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (kIsInteger<T>) {
          if constexpr (std::is_signed_v<T>) {
            if (x < 0) return fail(wrong_type(*this, "a non-negative integer"));
          }
          return static_cast<std::uint64_t>(x);
        } else {
          return fail(wrong_type(*this, "an integer"));
        }
      },
      storage_);
}

Expected<std::int64_t> GgufValue::as_i64() const {
  return std::visit(
      [&](const auto& x) -> Expected<std::int64_t> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (kIsInteger<T>) {
          if constexpr (std::is_same_v<T, std::uint64_t>) {
            if (x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
              return fail(wrong_type(*this, "an integer that fits in i64"));
            }
          }
          return static_cast<std::int64_t>(x);
        } else {
          return fail(wrong_type(*this, "an integer"));
        }
      },
      storage_);
}

Expected<double> GgufValue::as_f64() const {
  if (const float* f = get_if<float>()) return static_cast<double>(*f);
  if (const double* d = get_if<double>()) return *d;
  return fail(wrong_type(*this, "a float"));
}

Expected<bool> GgufValue::as_bool() const {
  if (const bool* b = get_if<bool>()) return *b;
  return fail(wrong_type(*this, "a bool"));
}

Expected<std::string_view> GgufValue::as_string() const {
  if (const std::string* s = get_if<std::string>()) return std::string_view(*s);
  return fail(wrong_type(*this, "a string"));
}

Expected<const GgufArray*> GgufValue::as_array() const {
  if (const GgufArray* a = get_if<GgufArray>()) return a;
  return fail(wrong_type(*this, "an array"));
}

std::string GgufValue::describe() const {
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, GgufArray>) {
          return fmt::format("array<{}>[{}]", to_string(x.element_type), x.items.size());
        } else if constexpr (std::is_same_v<T, std::string>) {
          return fmt::format("string \"{}\"", x.size() > 40 ? x.substr(0, 40) + "..." : x);
        } else if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::int8_t>) {
          return fmt::format("{} {}", to_string(type()), static_cast<int>(x));
        } else {
          return fmt::format("{} {}", to_string(type()), x);
        }
      },
      storage_);
}

}  // namespace npu::compiler
