// The small-network description (JSON) that `npu compile NET.json` turns into an .npk: an int8
// MLP of dense layers. Example (examples/networks/mlp.json):
//
//   { "name": "mlp", "seed": 42,
//     "input":  { "name": "input", "shape": [1, 64], "scale": 0.03125 },
//     "output": { "name": "output" },
//     "layers": [ { "type": "dense", "units": 32, "activation": "relu" },
//                 { "type": "dense", "units": 10, "activation": "none",
//                   "weights": [[...10 rows of 32 floats...]], "bias": [...10...],
//                   "output_scale": 0.05 } ] }
//
// Weights and biases are float; absent ones are drawn deterministically from "seed". Optional
// "output_scale" fixes a layer's int8 output scale; otherwise it is calibrated (max |activation|
// over "calibration_samples" seeded random inputs). Activations are symmetric int8 (zero point 0).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::compiler::net {

enum class Activation : std::uint8_t { kNone = 0, kRelu = 1 };
[[nodiscard]] std::string_view to_string(Activation a) noexcept;

struct DenseLayerSpec {
  std::string name;                    // default "dense<i>"
  std::uint32_t units = 0;             // output features
  Activation activation = Activation::kNone;
  std::optional<std::vector<float>> weights;  // [units][in] row-major, when given
  std::optional<std::vector<float>> bias;     // [units], when given
  std::optional<float> output_scale;
};

struct NetSpec {
  std::string name = "net";
  std::uint64_t seed = 0;
  std::uint32_t batch = 1;             // rows per run (input shape [batch, features])
  std::uint32_t input_features = 0;
  std::string input_name = "input";
  float input_scale = 1.0f / 32;       // real value = int8 * scale
  std::string output_name = "output";
  std::uint32_t calibration_samples = 64;
  std::vector<DenseLayerSpec> layers;
};

// `origin` names the source in error messages ("mlp.json").
[[nodiscard]] Expected<NetSpec> parse_net_spec(std::string_view json_text, std::string_view origin);
[[nodiscard]] Expected<NetSpec> load_net_spec(const std::filesystem::path& path);

}  // namespace npu::compiler::net
