#include "npu/common/npk_format.hpp"

namespace npu::npk {

std::string_view to_string(SectionType type) noexcept {
  switch (type) {
    case SectionType::kMetadata: return "metadata";
    case SectionType::kProgram: return "program";
    case SectionType::kWeights: return "weights";
    case SectionType::kTokenizer: return "tokenizer";
    case SectionType::kCalibration: return "calibration";
    case SectionType::kAllocationPlan: return "allocation-plan";
  }
  return "unknown";
}

bool is_known(std::uint32_t type) noexcept {
  return type >= static_cast<std::uint32_t>(SectionType::kMetadata) &&
         type <= static_cast<std::uint32_t>(SectionType::kAllocationPlan);
}

}  // namespace npu::npk
