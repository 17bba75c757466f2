#include <fmt/format.h>

#include "npu/compiler/model_weight_sources.hpp"

namespace npu::compiler {

Expected<std::unique_ptr<GgufWeightSource>> GgufWeightSource::open(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(GgufFile file, GgufFile::open(path));
  return std::make_unique<GgufWeightSource>(std::move(file));
}

std::string GgufWeightSource::describe() const { return fmt::format("GGUF '{}'", file_.source()); }

std::vector<std::string> GgufWeightSource::tensor_names() const {
  std::vector<std::string> names;
  for (const GgufTensorInfo& t : file_.tensors()) names.push_back(t.name);
  return names;
}

Expected<TensorShape> GgufWeightSource::shape(std::string_view name) const {
  const GgufTensorInfo* t = file_.find_tensor(name);
  if (t == nullptr) return fail(ErrorCode::kNotFound, fmt::format("{} has no tensor '{}'", describe(), name));
  return t->shape;
}

Expected<std::vector<float>> GgufWeightSource::load(std::string_view name) const {
  auto values = file_.dequantize(name);
  if (!values) return fail(values.error().with_context(describe()));
  return values;
}

}  // namespace npu::compiler
