// Compiles a NetSpec (net_spec.hpp) into int8 weights, int32 biases, per-layer requantization and
// a context program of OpCode::kGemmI8 ops (npu_abi/program.hpp), plus the segment layout and the
// metadata the runtime reads; write_npk() puts it all into an .npk file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/net_spec.hpp"

namespace npu::compiler::net {

struct QuantizedDense {
  std::string name;
  std::uint32_t in = 0, out = 0;
  Activation activation = Activation::kNone;
  std::vector<float> float_weights;  // [out][in], as given or drawn from the seed
  std::vector<float> float_bias;     // [out]
  std::vector<std::int8_t> weights;  // [out][in], symmetric per-tensor
  std::vector<std::int32_t> bias;    // [out], in units of input_scale * weight_scale
  float input_scale = 0, weight_scale = 0, output_scale = 0;
  std::int32_t multiplier = 0;       // requantization: acc * multiplier / 2^(31 + shift)
  std::int32_t shift = 0;
  std::int32_t output_zero_point = 0;
  // Byte offsets of this layer's tensors in their segments.
  std::uint64_t weights_offset = 0, bias_offset = 0, input_offset = 0, output_offset = 0;
  std::uint8_t input_segment = 0, output_segment = 0;  // abi::Segment
};

struct CompiledNet {
  NetSpec spec;
  std::vector<QuantizedDense> layers;
  std::vector<std::byte> weights_image;  // the weights segment, byte for byte
  std::vector<std::byte> program;        // ProgramHeader + OpDesc[]
  std::uint64_t io_bytes = 0, scratch_bytes = 0;
  std::uint64_t input_offset = 0, input_bytes = 0;    // in the io segment
  std::uint64_t output_offset = 0, output_bytes = 0;  // in the io segment
  std::string metadata_json;
};

// Quantize + lay out + emit. Errors (kInvalidArgument) name the layer and what is wrong.
[[nodiscard]] Expected<CompiledNet> compile_net(const NetSpec& spec);

// Writes metadata, the "main" program and the weights into an .npk (atomically).
[[nodiscard]] Expected<void> write_npk(const CompiledNet& net, const std::filesystem::path& path);

// The requantization (multiplier, shift) closest to `real_multiplier` in (0, 1).
struct Requant {
  std::int32_t multiplier = 0;
  std::int32_t shift = 0;
};
[[nodiscard]] Expected<Requant> choose_requant(double real_multiplier);

}  // namespace npu::compiler::net
