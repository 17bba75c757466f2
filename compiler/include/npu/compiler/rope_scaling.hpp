// RoPE frequencies, computed in one place for the fp32 reference, the calibration trace and the
// table every compiled kRope op reads: pair i of a head of dimension d turns by
//   angle(p) = p * freq_scale * theta^(-2i/d) / factors[i]
// at position p. Plain RoPE has freq_scale 1 and no factors; `linear` scaling (HF rope_scaling
// type "linear", GGUF `<arch>.rope.scaling.type` = "linear") divides positions by its factor;
// Llama 3 scaling (HF type "llama3") stretches the low frequencies by per-pair factors, which a
// GGUF carries as the tensor `rope_freqs.weight` (as llama.cpp's converter writes it).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "npu/compiler/model_config.hpp"

namespace npu::compiler {

// HF `rope_scaling` of type "llama3" (Llama 3.1 / 3.2 / 3.3 use factor 8 or 32, 1, 4, 8192).
struct Llama3RopeScaling {
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  double original_context = 8192.0;  // original_max_position_embeddings
};

// The per-pair divisors of Llama 3 scaling (head_dim / 2 of them): 1 for wavelengths below
// original_context / high_freq_factor, `factor` above original_context / low_freq_factor, and a
// smooth blend between.
[[nodiscard]] std::vector<float> llama3_rope_freq_factors(double theta, std::uint32_t head_dim,
                                                          const Llama3RopeScaling& scaling);

// Radians per position of each of the head_dim / 2 pairs (formula above).
[[nodiscard]] std::vector<double> rope_frequencies(double theta, std::uint32_t head_dim, double freq_scale = 1.0,
                                                   std::span<const float> factors = {});
[[nodiscard]] std::vector<double> rope_frequencies(const ModelConfig& config);

// "none", "linear", "llama3" or "linear+llama3" (both present), for messages and metadata.
[[nodiscard]] const char* rope_scaling_name(const ModelConfig& config) noexcept;

}  // namespace npu::compiler
