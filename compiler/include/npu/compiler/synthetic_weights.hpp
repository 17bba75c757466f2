// Deterministic synthetic weights for any ModelConfig: each tensor is drawn from a generator seeded
// by (seed, tensor name), so values do not depend on load order. Scales keep activations near unit
// RMS through the layers and give peaked (not flat) logits: `npu compile --synthetic config.json`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/model_weight_sources.hpp"
#include "npu/compiler/model_weights.hpp"

namespace npu::compiler {

class SyntheticWeightSource final : public WeightSource {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<SyntheticWeightSource>> create(const ModelConfig& config,
                                                                               std::uint64_t seed);

  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] std::vector<std::string> tensor_names() const override;
  [[nodiscard]] Expected<TensorShape> shape(std::string_view name) const override;
  [[nodiscard]] Expected<std::vector<float>> load(std::string_view name) const override;

 private:
  SyntheticWeightSource(std::vector<TensorSpec> specs, std::uint64_t seed)
      : specs_(std::move(specs)), seed_(seed) {}
  [[nodiscard]] const TensorSpec* find(std::string_view name) const noexcept;

  std::vector<TensorSpec> specs_;
  std::uint64_t seed_;
};

// config.json (Hugging Face form) + synthetic weights.
[[nodiscard]] Expected<LoadedModel> load_synthetic_model(const std::filesystem::path& config_json,
                                                         std::uint64_t seed = 0);

}  // namespace npu::compiler
