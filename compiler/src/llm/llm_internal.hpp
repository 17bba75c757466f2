// Steps of the LLM compiler shared between its source files (not a public interface).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "npu/compiler/llm_compiler.hpp"

namespace npu::compiler::llm::detail {

inline constexpr std::uint64_t kAlign = 64;  // every tensor starts on a cache line

// One linear layer's weights in the weights segment.
struct LinearPlacement {
  std::uint64_t offset = 0;
  abi::DType dtype = abi::DType::kF32;
  std::uint64_t scales_offset = 0;  // integer weights only
  std::uint32_t group = 0;
  std::uint32_t in = 0, out = 0;
  std::uint32_t experts = 0;  // routed experts: [experts][out][in] weights, [experts][out](/group) scales
  [[nodiscard]] bool quantized() const noexcept { return dtype == abi::DType::kI8 || dtype == abi::DType::kI4; }
};

struct LayerPlacement {
  std::uint64_t attn_norm = 0, ffn_norm = 0, conv = 0, q_norm = 0, k_norm = 0, bq = 0, bk = 0, bv = 0;
  std::uint64_t post_attn_norm = 0, post_ffn_norm = 0;  // sandwich norms (Gemma 3)
  std::uint64_t expert_bias = 0;                        // router choice bias (LFM2-MoE), if any
  LinearPlacement in_proj, out_proj, q, k, v, o, gate, up, down;
  LinearPlacement router;  // MoE layers: gate, up and down are the experts' (experts > 0)
};

// A named tensor of the weights image, for the allocation plan.
struct WeightItem {
  std::string name;
  std::int32_t layer = -1;  // -1: not per layer
  std::uint64_t offset = 0, bytes = 0;
};

struct WeightsImage {
  std::vector<std::byte> bytes;  // empty when only sizes were built (timing-only)
  std::uint64_t size = 0;        // bytes of the weights segment
  std::uint64_t embedding = 0, embedding_scales = 0, final_norm = 0;
  std::uint64_t rope_freqs = 0;  // F32 [head_dim / 2] every kRope reads (models with attention)
  std::uint64_t rope_freqs_local = 0;  // the same for sliding-window layers (their own base), if any
  abi::DType embedding_dtype = abi::DType::kF32;
  LinearPlacement head;
  std::vector<LayerPlacement> layers;
  std::vector<WeightItem> items;
};

struct QuantizedMatrix {
  std::vector<std::byte> data;
  std::vector<float> scales;  // [N] or [N][K/group]
  abi::DType dtype = abi::DType::kF32;
  std::uint32_t group = 0;
};
// How a [N][K] matrix is stored under a precision: dtype, block size, data bytes, scale count.
struct MatrixStorage {
  abi::DType dtype = abi::DType::kF32;
  std::uint32_t group = 0;
  std::uint64_t data_bytes = 0;
  std::uint64_t scale_count = 0;  // F32 scales: [N] or [N][K/group]; 0 for float weights
};
[[nodiscard]] MatrixStorage matrix_storage(std::uint32_t n, std::uint32_t k, const LinearPrecision& p) noexcept;
// w is [N][K] row-major. Symmetric: int4 scale = max|w|/7, int8 scale = max|w|/127 per row or block.
[[nodiscard]] QuantizedMatrix quantize_matrix(std::span<const float> w, std::uint32_t n, std::uint32_t k,
                                              const LinearPrecision& p);

// Loads, converts and places every tensor. `progress` gets the fraction done (0..1). Without a
// source (timing-only) it places every tensor by size and writes no bytes.
[[nodiscard]] Expected<WeightsImage> build_weights(const ModelConfig& c, const WeightSource* src,
                                                   const PrecisionPolicy& policy,
                                                   const std::function<void(double)>& progress);

[[nodiscard]] LlmLayout make_layout(const ModelConfig& c, std::uint32_t chunk, std::uint32_t context,
                                    std::uint64_t weights_bytes, KvCacheType kv_cache);
// The device dtype of a KV cache type (kKvAppend / kAttention operand 2).
[[nodiscard]] abi::DType kv_cache_dtype(KvCacheType t) noexcept;

// Quantize-point names: "blk.N.op_in", "blk.N.mix_in", "blk.N.ffn_in", "blk.N.down_in", "head_in".
[[nodiscard]] std::string point(std::uint32_t layer, const char* what);

struct EmittedProgram {
  std::vector<abi::OpDesc> ops;
  std::vector<std::size_t> layer_end;
};
// The program for `rows` rows (prefill chunk, or 1 for TBT).
[[nodiscard]] EmittedProgram emit_program(const ModelConfig& c, const WeightsImage& w, const LlmLayout& layout,
                                          const std::map<std::string, float>& amax, std::uint32_t rows);

// out[t][r] = w[r] . x[t] for r < n, t < tokens (w is [n][k], x is [tokens][k]); float, threaded.
void matmul_tokens(std::span<const float> w, std::size_t n, std::size_t k, std::span<const float> x,
                   std::size_t tokens, std::span<float> out);

// fp32 reference over the calibration tokens, layer by layer (weights of one layer at a time).
// The clip of a quantize point that minimizes the expected int8 quantization error of `values`.
[[nodiscard]] float mse_optimal_clip(std::span<const float> values);

struct Fp32Trace {
  std::map<std::string, float> amax;
  std::map<std::string, float> clip;  // the activation range each quantize point uses (<= amax)
  std::vector<std::vector<float>> residual;   // per layer: [tokens][hidden] after the layer
  std::vector<std::vector<float>> logits;     // at the last token of every prefill chunk
};
[[nodiscard]] Expected<Fp32Trace> run_fp32_trace(const ModelConfig& c, const WeightSource& src,
                                                 std::span<const std::int32_t> tokens, std::uint32_t chunk,
                                                 const std::function<void(double)>& progress);

// Tokenizes calibration text with the model's tokenizer (byte-level BPE), BOS first if it has one.
[[nodiscard]] std::vector<std::int32_t> tokenize_for_calibration(const TokenizerData& tok, std::string_view text,
                                                                 std::uint32_t vocab, std::uint32_t max_tokens);

[[nodiscard]] Expected<AllocationPlan> plan_allocation(const ModelConfig& c, const WeightsImage& w,
                                                       const LlmLayout& layout, const DeviceMemory& device);

[[nodiscard]] std::string metadata_json(const CompiledLlm& m);

}  // namespace npu::compiler::llm::detail
