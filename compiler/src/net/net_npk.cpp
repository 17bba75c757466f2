// Writes a compiled network into an .npk: metadata, the "main" program, the weights image.
#include <fmt/format.h>

#include "npu/common/npk_writer.hpp"
#include "npu/compiler/net_compiler.hpp"
#include "npu_abi/version.hpp"

namespace npu::compiler::net {

Expected<void> write_npk(const CompiledNet& net, const std::filesystem::path& path) {
  auto write = [&]() -> Expected<void> {
    NPU_TRY_ASSIGN(auto w, npk::NpkWriter::create(path, abi::kAbiVersion));
    NPU_TRY(w.add_section(npk::SectionType::kMetadata, "metadata",
                          std::as_bytes(std::span(net.metadata_json))));
    NPU_TRY(w.add_section(npk::SectionType::kProgram, "main", net.program));
    NPU_TRY(w.add_section(npk::SectionType::kWeights, "weights", net.weights_image));
    return w.finish();
  };
  auto r = write();
  if (!r) return fail(r.error().with_context(fmt::format("writing {}", path.string())));
  return {};
}

}  // namespace npu::compiler::net
