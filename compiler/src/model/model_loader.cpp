// load_model(): a .gguf file or a Hugging Face folder -> checked config + weights.
#include <algorithm>

#include <fmt/format.h>

#include "npu/compiler/model_weight_sources.hpp"

namespace npu::compiler {
namespace {

Expected<LoadedModel> load_hf_folder(const std::filesystem::path& dir) {
  NPU_TRY_ASSIGN(ModelConfig config, model_config_from_hf_file(dir / "config.json"));
  std::vector<std::filesystem::path> shards;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors") shards.push_back(entry.path());
  }
  if (ec) return fail(ErrorCode::kIo, fmt::format("cannot list '{}': {}", dir.string(), ec.message()));
  if (shards.empty()) {
    return fail(ErrorCode::kNotFound, fmt::format("'{}' has a config.json but no .safetensors files; "
                                                  "download the weights too (or use --synthetic)", dir.string()));
  }
  std::sort(shards.begin(), shards.end());
  NPU_TRY_ASSIGN(std::unique_ptr<WeightSource> weights, open_safetensors_weights(config, shards));
  return LoadedModel{std::move(config), std::move(weights)};
}

}  // namespace

Expected<LoadedModel> load_model(const std::filesystem::path& path) {
  std::error_code ec;
  LoadedModel model;
  if (std::filesystem::is_directory(path, ec)) {
    NPU_TRY_ASSIGN(model, load_hf_folder(path));
  } else {
    NPU_TRY_ASSIGN(std::unique_ptr<GgufWeightSource> gguf, GgufWeightSource::open(path));
    NPU_TRY_ASSIGN(model.config, model_config_from_gguf(gguf->file()));
    model.weights = std::move(gguf);
  }
  NPU_TRY(check_weights(model.config, *model.weights));
  return model;
}

}  // namespace npu::compiler
