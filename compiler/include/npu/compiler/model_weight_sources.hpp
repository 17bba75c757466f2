// WeightSource implementations over model files: GGUF (names as they are) and Hugging Face
// safetensors (HF names mapped to GGUF names, Llama q/k rows permuted as llama.cpp's converter
// does, LFM2's {H,1,3} conv weight seen as {3,H}). And load_model(): file or folder -> config + weights.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/model_weights.hpp"

namespace npu::compiler {

class GgufWeightSource final : public WeightSource {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<GgufWeightSource>> open(const std::filesystem::path& path);
  explicit GgufWeightSource(GgufFile file) : file_(std::move(file)) {}

  [[nodiscard]] const GgufFile& file() const noexcept { return file_; }
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] std::vector<std::string> tensor_names() const override;
  [[nodiscard]] Expected<TensorShape> shape(std::string_view name) const override;
  [[nodiscard]] Expected<std::vector<float>> load(std::string_view name) const override;

 private:
  GgufFile file_;
};

// The GGUF name of a Hugging Face tensor name, or nullopt when it has none (e.g. rotary caches).
[[nodiscard]] std::optional<std::string> hf_to_gguf_name(Architecture arch, std::string_view hf_name);

// One expert's matrix of LFM2-MoE ("model.layers.L.feed_forward.experts.E.w1.weight"): the stacked
// GGUF tensor it is part of ("blk.L.ffn_gate_exps.weight"; w3: up, w2: down) and E.
struct HfExpertTensor {
  std::string gguf_name;
  std::uint32_t expert = 0;
};
[[nodiscard]] std::optional<HfExpertTensor> hf_expert_tensor(Architecture arch, std::string_view hf_name);

class SafetensorsWeightSource;  // defined in safetensors_weight_source.cpp
// Opens one or more .safetensors shards of a model with the given config.
[[nodiscard]] Expected<std::unique_ptr<WeightSource>> open_safetensors_weights(
    const ModelConfig& config, const std::vector<std::filesystem::path>& shards);

struct LoadedModel {
  ModelConfig config;
  std::unique_ptr<WeightSource> weights;
};

// `path` is a .gguf file, or a Hugging Face model folder (config.json + *.safetensors).
// The weights are checked against the config (missing or mis-shaped tensors are errors).
[[nodiscard]] Expected<LoadedModel> load_model(const std::filesystem::path& path);

}  // namespace npu::compiler
