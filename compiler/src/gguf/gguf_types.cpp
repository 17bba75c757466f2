#include "npu/compiler/gguf_types.hpp"

#include <array>

#include <fmt/format.h>

namespace npu::compiler {
namespace {

struct Row {
  std::uint32_t id;
  GgmlTypeTraits traits;
};

// Block geometry of every ggml type id (QK_K = 256 for the K-quants).
constexpr std::array kTypes{
    Row{0, {"F32", 1, 4}},        Row{1, {"F16", 1, 2}},         Row{2, {"Q4_0", 32, 18}},
    Row{3, {"Q4_1", 32, 20}},     Row{6, {"Q5_0", 32, 22}},      Row{7, {"Q5_1", 32, 24}},
    Row{8, {"Q8_0", 32, 34}},     Row{9, {"Q8_1", 32, 36}},      Row{10, {"Q2_K", 256, 84}},
    Row{11, {"Q3_K", 256, 110}},  Row{12, {"Q4_K", 256, 144}},   Row{13, {"Q5_K", 256, 176}},
    Row{14, {"Q6_K", 256, 210}},  Row{15, {"Q8_K", 256, 292}},   Row{16, {"IQ2_XXS", 256, 66}},
    Row{17, {"IQ2_XS", 256, 74}}, Row{18, {"IQ3_XXS", 256, 98}}, Row{19, {"IQ1_S", 256, 50}},
    Row{20, {"IQ4_NL", 32, 18}},  Row{21, {"IQ3_S", 256, 110}},  Row{22, {"IQ2_S", 256, 82}},
    Row{23, {"IQ4_XS", 256, 136}}, Row{24, {"I8", 1, 1}},        Row{25, {"I16", 1, 2}},
    Row{26, {"I32", 1, 4}},       Row{27, {"I64", 1, 8}},        Row{28, {"F64", 1, 8}},
    Row{29, {"IQ1_M", 256, 56}},  Row{30, {"BF16", 1, 2}},       Row{34, {"TQ1_0", 256, 54}},
    Row{35, {"TQ2_0", 256, 66}},  Row{39, {"MXFP4", 32, 17}},
};

}  // namespace

std::optional<GgmlTypeTraits> ggml_type_traits(std::uint32_t type_id) noexcept {
  for (const Row& row : kTypes) {
    if (row.id == type_id) return row.traits;
  }
  return std::nullopt;
}

std::string ggml_type_name(GgmlType type) {
  auto traits = ggml_type_traits(static_cast<std::uint32_t>(type));
  if (traits) return std::string(traits->name);
  return fmt::format("type#{}", static_cast<std::uint32_t>(type));
}

Expected<std::uint64_t> ggml_storage_bytes(GgmlType type, std::uint64_t elements) {
  auto traits = ggml_type_traits(static_cast<std::uint32_t>(type));
  if (!traits) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("unknown ggml type id {}", static_cast<std::uint32_t>(type)));
  }
  if (elements % traits->block_size != 0) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("{} elements are not a whole number of {} blocks of {}", elements,
                            traits->name, traits->block_size));
  }
  std::uint64_t blocks = elements / traits->block_size;
  if (blocks > UINT64_MAX / traits->block_bytes) {
    return fail(ErrorCode::kBadFormat, fmt::format("{} elements of {} overflow 64 bits", elements,
                                                   traits->name));
  }
  return blocks * traits->block_bytes;
}

bool ggml_type_dequantizable(GgmlType type) noexcept {
  switch (type) {
    case GgmlType::kF32:
    case GgmlType::kF16:
    case GgmlType::kBF16:
    case GgmlType::kQ8_0:
    case GgmlType::kQ4_0:
    case GgmlType::kQ4_1:
    case GgmlType::kQ5_0:
    case GgmlType::kQ5_1:
    case GgmlType::kQ4_K:
    case GgmlType::kQ5_K:
    case GgmlType::kQ6_K:
      return true;
    default:
      return false;
  }
}

}  // namespace npu::compiler
