// One GGUF metadata value: a scalar of one of the twelve GGUF value types, a string, or a
// (possibly nested) array. Value types are kept exactly, because llama.cpp checks them exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::compiler {

// GGUF value type ids (the on-disk numbers).
enum class GgufValueType : std::uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
[[nodiscard]] std::string_view to_string(GgufValueType type) noexcept;

class GgufValue;
struct GgufArray {
  GgufValueType element_type = GgufValueType::kU8;
  std::vector<GgufValue> items;
};

class GgufValue {
 public:
  // Alternative index == GgufValueType id.
  using Storage = std::variant<std::uint8_t, std::int8_t, std::uint16_t, std::int16_t, std::uint32_t,
                               std::int32_t, float, bool, std::string, GgufArray, std::uint64_t,
                               std::int64_t, double>;

  GgufValue() = default;
  template <class T>
    requires std::is_constructible_v<Storage, T&&>
  GgufValue(T&& value) : storage_(std::forward<T>(value)) {}  // NOLINT: implicit on purpose
  GgufValue(const char* text) : storage_(std::string(text)) {}  // NOLINT

  // Arrays of one element type from a vector of scalars or strings.
  template <class T>
  [[nodiscard]] static GgufValue array_of(GgufValueType element_type, const std::vector<T>& items) {
    GgufArray a{element_type, {}};
    a.items.reserve(items.size());
    for (const T& item : items) a.items.emplace_back(item);
    return GgufValue(std::move(a));
  }

  [[nodiscard]] GgufValueType type() const noexcept {
    return static_cast<GgufValueType>(storage_.index());
  }
  [[nodiscard]] const Storage& storage() const noexcept { return storage_; }
  template <class T>
  [[nodiscard]] const T* get_if() const noexcept { return std::get_if<T>(&storage_); }

  // Converting accessors: any integer type that fits / any float type / exact string, bool, array.
  [[nodiscard]] Expected<std::uint64_t> as_u64() const;
  [[nodiscard]] Expected<std::int64_t> as_i64() const;
  [[nodiscard]] Expected<double> as_f64() const;
  [[nodiscard]] Expected<bool> as_bool() const;
  [[nodiscard]] Expected<std::string_view> as_string() const;
  [[nodiscard]] Expected<const GgufArray*> as_array() const;

  // Short human form for messages and dumps ("u32 2048", "array<string>[65536]").
  [[nodiscard]] std::string describe() const;

 private:
  Storage storage_{std::uint8_t{0}};
};

}  // namespace npu::compiler
