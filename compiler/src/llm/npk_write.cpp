// Writes a compiled LLM into an .npk (docs/npk-llm.md), atomically.
#include <fmt/format.h>

#include "npu/common/npk_writer.hpp"
#include "npu/compiler/emu.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu_abi/version.hpp"

namespace npu::compiler::llm {

Expected<void> write_llm_npk(const CompiledLlm& m, const std::filesystem::path& path) {
  auto write = [&]() -> Expected<void> {
    NPU_TRY_ASSIGN(auto w, npk::NpkWriter::create(path, abi::kAbiVersion));
    auto text = [](const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); };
    NPU_TRY(w.add_section(npk::SectionType::kMetadata, "metadata", text(m.metadata_json)));
    const std::uint64_t sram = m.allocation.sram_used;
    NPU_TRY(w.add_section(npk::SectionType::kProgram, "prefill", codec::encode_program(m.prefill_ops, sram)));
    NPU_TRY(w.add_section(npk::SectionType::kProgram, "tbt", codec::encode_program(m.tbt_ops, sram)));
    NPU_TRY(w.begin_section(npk::SectionType::kWeights, "weights"));
    constexpr std::size_t kChunk = 16u << 20;
    for (std::size_t at = 0; at < m.weights.size(); at += kChunk) {
      NPU_TRY(w.append(std::span(m.weights).subspan(at, std::min(kChunk, m.weights.size() - at))));
    }
    NPU_TRY(w.end_section());
    NPU_TRY(w.add_section(npk::SectionType::kTokenizer, "tokenizer", m.tokenizer.serialize()));
    NPU_TRY(w.add_section(npk::SectionType::kCalibration, "calibration", text(calibration_json(m.calibration))));
    NPU_TRY(w.add_section(npk::SectionType::kAllocationPlan, "allocation", text(allocation_json(m.allocation))));
    return w.finish();
  };
  auto r = write();
  if (!r) return fail(r.error().with_context(fmt::format("writing {}", path.string())));
  return {};
}

}  // namespace npu::compiler::llm
