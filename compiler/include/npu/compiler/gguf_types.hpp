// ggml tensor types as GGUF stores them, and the block geometry of each (weights per block, bytes
// per block). Numbers are the on-disk type ids of the GGUF format; they never change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "npu/common/error.hpp"

namespace npu::compiler {

// A GGUF file starts with these four bytes, "GGUF", read as a little-endian u32.
inline constexpr std::uint32_t kGgufMagic = 0x46554747;

enum class GgmlType : std::uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

struct GgmlTypeTraits {
  std::string_view name;        // "Q4_K", as llama.cpp prints it
  std::uint32_t block_size;     // weights per block
  std::uint32_t block_bytes;    // bytes per block
};

// Traits of a known type id; nullopt for ids this build does not know at all.
[[nodiscard]] std::optional<GgmlTypeTraits> ggml_type_traits(std::uint32_t type_id) noexcept;
[[nodiscard]] std::string ggml_type_name(GgmlType type);

// Bytes of `elements` weights of `type`; an error when elements is not a whole number of blocks.
[[nodiscard]] Expected<std::uint64_t> ggml_storage_bytes(GgmlType type, std::uint64_t elements);

// True for the types dequantize_tensor() can turn into float.
[[nodiscard]] bool ggml_type_dequantizable(GgmlType type) noexcept;

}  // namespace npu::compiler
