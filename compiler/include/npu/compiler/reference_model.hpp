// The fp32 CPU reference forward pass: LFM2 / LFM2.5 (short-conv + GQA hybrid), LFM2-MoE (its
// routed experts picked by the device's own routing, npu_abi/moe.hpp), Llama, Qwen2 and Qwen3,
// token by token with decode state (KV cache for attention layers only; the last L_cache-1 gated
// B*x vectors per conv layer). Weights are float; dot products and softmax accumulate in double,
// activations are float between ops, as llama.cpp keeps them. It is the numerical ground truth
// the quantized compiler output and the simulator are compared against.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/compiler/model_weights.hpp"

namespace npu::compiler {

struct ReferenceOptions {
  std::uint32_t max_context = 0;  // KV positions to allow; 0: the model's context length
};

class ReferenceModel {
 public:
  // Loads (dequantizes) and checks every tensor the config needs.
  [[nodiscard]] static Expected<ReferenceModel> create(const ModelConfig& config, const WeightSource& weights,
                                                       ReferenceOptions options = {});

  ReferenceModel(ReferenceModel&&) noexcept;
  ReferenceModel& operator=(ReferenceModel&&) noexcept;
  ~ReferenceModel();

  // Feeds one token at the current position; returns the logits for the next token (valid until
  // the next call). Errors: token outside the vocabulary, context full.
  [[nodiscard]] Expected<std::span<const float>> forward(std::int32_t token);
  // Feeds several tokens; returns the logits after the last one.
  [[nodiscard]] Expected<std::span<const float>> forward(std::span<const std::int32_t> tokens);
  // Forgets all state (KV cache, conv state, position).
  void reset();

  [[nodiscard]] std::uint32_t position() const noexcept;
  [[nodiscard]] const ModelConfig& config() const noexcept;

 private:
  struct Impl;
  explicit ReferenceModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

using Lfm2Reference = ReferenceModel;  // the name later stages use for the LFM2 ground truth

[[nodiscard]] std::int32_t argmax(std::span<const float> values) noexcept;

}  // namespace npu::compiler
