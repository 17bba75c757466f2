// Writes a model (config + weights [+ tokenizer]) as a GGUF file that both npustack and llama.cpp
// load: the "<arch>.*" keys llama.cpp requires with the exact value types it checks, and the
// tensors in GGUF names. Matrices (LFM2-MoE's stacked 3-D expert tensors too, quantized row by
// row) are stored in `matrix_type`; norms, biases, LFM2's conv taps and the MoE router
// (ffn_gate_inp) stay F32 (as llama.cpp's own quantizer keeps them). Tensors are produced lazily while writing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/gguf_types.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/model_weights.hpp"

namespace npu::compiler {

struct GgufTokenizer {
  std::string model = "gpt2";  // tokenizer.ggml.model
  std::string pre = "lfm2";    // tokenizer.ggml.pre
  std::vector<std::string> tokens;
  std::vector<std::int32_t> token_types;  // 1 normal, 3 control, 6 byte (llama.cpp's enum)
  std::vector<std::string> merges;
  bool add_bos = true;
  std::string chat_template;  // empty: not written
};

struct GgufExportOptions {
  GgmlType matrix_type = GgmlType::kF32;
  // Per-tensor exceptions to matrix_type, as llama-quantize's mixes make them (Q4_K_M: Q6_K for
  // output.weight and some attn_v / ffn_down): a matrix whose name ends with the suffix gets the
  // type. A type whose block does not divide a matrix's rows falls back as llama-quantize does
  // (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then F16).
  std::vector<std::pair<std::string, GgmlType>> type_by_suffix = {};
  std::optional<GgufTokenizer> tokenizer;
  std::string name = "npustack-model";  // general.name
  std::uint32_t alignment = 32;
};

[[nodiscard]] Expected<void> write_model_gguf(const std::filesystem::path& path, const ModelConfig& config,
                                              const WeightSource& weights, const GgufExportOptions& options);

}  // namespace npu::compiler
