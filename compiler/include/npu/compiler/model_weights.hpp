// WeightSource: the named tensors of a model (GGUF names are canonical, e.g. "blk.3.attn_q.weight"),
// each with a shape in ggml order (shape[0] fastest) and float access. Implementations read GGUF,
// Hugging Face safetensors, or generate deterministic synthetic weights.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/model_config.hpp"

namespace npu::compiler {

using TensorShape = std::vector<std::uint64_t>;  // ggml order: {in_features, out_features} for a matrix

struct TensorSpec {
  std::string name;
  TensorShape shape;
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  WeightSource() = default;
  WeightSource(const WeightSource&) = delete;
  WeightSource& operator=(const WeightSource&) = delete;

  // Where the weights come from, for messages ("GGUF 'model.gguf'").
  [[nodiscard]] virtual std::string describe() const = 0;
  [[nodiscard]] virtual std::vector<std::string> tensor_names() const = 0;
  // kNotFound when the source has no such tensor.
  [[nodiscard]] virtual Expected<TensorShape> shape(std::string_view name) const = 0;
  // The tensor dequantized to float, row-major in ggml order.
  [[nodiscard]] virtual Expected<std::vector<float>> load(std::string_view name) const = 0;
};

// The GGUF name of the final norm: "token_embd_norm.weight" (LFM2 family) or "output_norm.weight".
[[nodiscard]] std::string_view final_norm_name(const ModelConfig& config) noexcept;
// Every tensor the architecture needs, with its expected shape (no optional ones).
[[nodiscard]] std::vector<TensorSpec> expected_tensors(const ModelConfig& config);

// Checks that every expected tensor exists with its shape; the error lists all problems.
[[nodiscard]] Expected<void> check_weights(const ModelConfig& config, const WeightSource& weights);

// Loads one expected tensor, checking its shape first.
[[nodiscard]] Expected<std::vector<float>> load_checked(const WeightSource& weights,
                                                        std::string_view name, const TensorShape& shape);

[[nodiscard]] std::string format_shape(const TensorShape& shape);  // "{2048, 8192}"

}  // namespace npu::compiler
