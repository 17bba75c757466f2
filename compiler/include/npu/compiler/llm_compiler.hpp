// Compiles a decoder LLM (LFM2 / LFM2.5, Llama, Qwen2) into the two context programs of an LLM
// .npk (docs/npk-llm.md): a prefill program (rows = prefill chunk) and a TBT program (one row)
// sharing one weights segment, quantized per a precision policy with activation scales from static
// calibration, laid out against the device's SRAM and DDR.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/tokenizer_data.hpp"
#include "npu/compiler/llm_device.hpp"
#include "npu/compiler/llm_layout.hpp"
#include "npu/compiler/llm_policy.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/model_weights.hpp"
#include "npu_abi/program.hpp"

namespace npu::compiler::llm {

struct LlmSource {
  ModelConfig config;
  // Borrowed for the duration of compile_llm(); may be null with LlmCompileOptions::timing_only.
  const WeightSource* weights = nullptr;
  TokenizerData tokenizer;
  std::string name;
  bool synthetic = false;
};

// Reports progress: a stage name and the fraction of the whole compile done (0..1).
using ProgressFn = std::function<void(std::string_view stage, double fraction)>;

struct LlmCompileOptions {
  PrecisionPolicy policy;
  std::uint32_t context_length = 0;         // 0: default_context_length(config)
  std::uint32_t prefill_chunk = 128;
  std::string calibration_text;             // empty: the built-in default text
  std::uint32_t calibration_tokens = 128;   // at most this many tokens are calibrated on
  bool clip_activations = false;            // true: MSE-optimal activation ranges; false: max |x|
  DeviceMemory device;                      // from load_device_memory("hailo10h") by default
  ProgressFn progress;
  // Shapes only: the programs, layout and allocation plan of the real model, but no weight values
  // (no weights are read or quantized, nothing is calibrated) and an empty weights image. Such a
  // model is for timing studies: written as an .npk without a weights section, it must be run
  // timing-only. Fast: no tensor is touched.
  bool timing_only = false;
};

// Quantized activations vs the fp32 reference, per layer (the residual stream after the layer).
struct LayerSqnr {
  std::uint32_t layer = 0;
  LayerKind kind = LayerKind::kConv;
  std::string precision;
  double sqnr_db = 0;
};

struct CalibrationReport {
  std::uint32_t tokens = 0;                  // calibration tokens run
  std::map<std::string, float> amax;         // quantize point -> max |x| (fp32 reference)
  std::map<std::string, float> clip;         // quantize point -> the range its scale maps to 127
                                             // (amax, or the MSE-optimal clip with clip_activations)
  std::vector<LayerSqnr> layers;
  double logits_sqnr_db = 0;
  double top1_agreement = 0;                 // chunk-final positions where both argmaxes agree
};

struct CompiledLlm {
  ModelConfig config;
  PrecisionPolicy policy;
  LlmLayout layout;
  AllocationPlan allocation;
  CalibrationReport calibration;
  TokenizerData tokenizer;
  std::string name;
  bool synthetic = false;
  std::vector<std::byte> weights;        // the weights segment image (empty when timing_only)
  std::uint64_t weights_bytes = 0;       // size of the weights segment
  std::vector<abi::OpDesc> prefill_ops;  // rows = prefill chunk
  std::vector<abi::OpDesc> tbt_ops;      // rows = 1
  std::vector<std::size_t> prefill_layer_end;  // op index closing each layer (residual add)
  std::vector<std::size_t> tbt_layer_end;
  std::string metadata_json;
};

// Checks the options (context 2048/4096/8192 or any multiple of 64 up to 131072; chunk 1..1024).
[[nodiscard]] Expected<void> validate_options(const ModelConfig& config, const LlmCompileOptions& options);

inline constexpr std::uint32_t kDefaultContextLength = 4096;
// The context without --context: the smaller of 4096 and the model's trained context (rounded
// down to a multiple of 64, at least 64).
[[nodiscard]] std::uint32_t default_context_length(const ModelConfig& config) noexcept;

[[nodiscard]] Expected<CompiledLlm> compile_llm(const LlmSource& source, const LlmCompileOptions& options);

// Writes metadata, prefill, tbt, weights, tokenizer, calibration and allocation sections (atomically).
[[nodiscard]] Expected<void> write_llm_npk(const CompiledLlm& model, const std::filesystem::path& path);

// The calibration / allocation JSON documents stored in the .npk.
[[nodiscard]] std::string calibration_json(const CalibrationReport& report);
[[nodiscard]] std::string allocation_json(const AllocationPlan& plan);

}  // namespace npu::compiler::llm
