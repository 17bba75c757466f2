// Layout and emission: where every tensor lives (weights / io / scratch segments), the weights
// segment image, the kGemmI8 program and the metadata JSON the runtime reads.
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "net_internal.hpp"
#include "npu/codec/program_codec.hpp"
#include "npu/common/page.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/program.hpp"

namespace npu::compiler::net {
namespace {

constexpr std::uint64_t kTensorAlign = 64;  // every tensor starts on a cache line

template <class T>
void put(std::vector<std::byte>& image, std::uint64_t offset, const std::vector<T>& v) {
  std::memcpy(image.data() + offset, v.data(), v.size() * sizeof(T));
}

abi::Operand operand(abi::Segment seg, abi::DType dtype, std::uint64_t offset) {
  abi::Operand o{};
  o.segment = static_cast<std::uint8_t>(seg);
  o.dtype = static_cast<std::uint8_t>(dtype);
  o.offset = offset;
  return o;
}

nlohmann::json stream_json(const std::string& name, std::uint32_t batch, std::uint32_t features,
                           float scale, std::uint64_t offset) {
  return {{"name", name}, {"shape", {batch, features}}, {"dtype", "int8"}, {"scale", scale},
          {"zero_point", 0}, {"offset", offset}, {"size", std::uint64_t{batch} * features}};
}

}  // namespace

Expected<void> emit(CompiledNet& net) {
  const std::uint32_t batch = net.spec.batch;
  auto& layers = net.layers;
  // Weights segment: per layer W [out][in] i8 then bias [out] i32.
  std::uint64_t w_end = 0;
  for (auto& q : layers) {
    q.weights_offset = align_up(w_end, kTensorAlign);
    q.bias_offset = align_up(q.weights_offset + q.weights.size(), kTensorAlign);
    w_end = q.bias_offset + q.bias.size() * sizeof(std::int32_t);
  }
  net.weights_image.assign(align_up(w_end, kTensorAlign), std::byte{0});
  for (const auto& q : layers) {
    put(net.weights_image, q.weights_offset, q.weights);
    put(net.weights_image, q.bias_offset, q.bias);
  }
  // io segment: the input, then the output. Scratch: intermediate activations in two ping-pong
  // buffers (layer i reads buffer (i-1)%2 and writes i%2).
  net.input_offset = 0;
  net.input_bytes = std::uint64_t{batch} * net.spec.input_features;
  net.output_offset = align_up(net.input_bytes, kTensorAlign);
  net.output_bytes = std::uint64_t{batch} * layers.back().out;
  net.io_bytes = align_up(net.output_offset + net.output_bytes, kTensorAlign);
  std::uint64_t widest = 0;
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    widest = std::max<std::uint64_t>(widest, std::uint64_t{batch} * layers[i].out);
  }
  const std::uint64_t ping = align_up(widest, kTensorAlign);
  net.scratch_bytes = std::max<std::uint64_t>(2 * ping, kTensorAlign);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto& q = layers[i];
    bool first = i == 0, last = i + 1 == layers.size();
    q.input_segment = static_cast<std::uint8_t>(first ? abi::Segment::kIo : abi::Segment::kScratch);
    q.input_offset = first ? net.input_offset : ((i - 1) % 2) * ping;
    q.output_segment = static_cast<std::uint8_t>(last ? abi::Segment::kIo : abi::Segment::kScratch);
    q.output_offset = last ? net.output_offset : (i % 2) * ping;
  }
  // Program: one kGemmI8 per layer.
  std::vector<abi::OpDesc> ops;
  for (const auto& q : layers) {
    abi::OpDesc op{};
    op.opcode = static_cast<std::uint16_t>(abi::OpCode::kGemmI8);
    op.dims[0] = batch;
    op.dims[1] = q.in;
    op.dims[2] = q.out;
    op.operands[0] = operand(static_cast<abi::Segment>(q.input_segment), abi::DType::kI8, q.input_offset);
    op.operands[1] = operand(abi::Segment::kWeights, abi::DType::kI8, q.weights_offset);
    op.operands[2] = operand(abi::Segment::kWeights, abi::DType::kI32, q.bias_offset);
    op.operands[3] = operand(static_cast<abi::Segment>(q.output_segment), abi::DType::kI8, q.output_offset);
    op.params[0] = q.multiplier;
    op.params[1] = q.shift;
    op.params[2] = q.output_zero_point;
    op.params[3] = q.activation == Activation::kRelu ? 1 : 0;
    ops.push_back(op);
  }
  // SRAM 0: everything streams from DDR; the MLP is too small to pin.
  net.program = codec::encode_program(ops, 0);

  // Metadata: the contract with the runtime (runtime/src/model_package.cpp reads it).
  nlohmann::json layer_info = nlohmann::json::array();
  for (const auto& q : layers) {
    layer_info.push_back({{"name", q.name}, {"type", "dense"}, {"in", q.in}, {"out", q.out},
                          {"activation", to_string(q.activation)}, {"precision", "w8a8"},
                          {"input_scale", q.input_scale}, {"weight_scale", q.weight_scale},
                          {"output_scale", q.output_scale}, {"multiplier", q.multiplier},
                          {"shift", q.shift}});
  }
  nlohmann::json meta = {
      {"schema", 1},
      {"name", net.spec.name},
      {"architecture", "mlp"},
      {"batch_size", batch},
      {"segments", {{"weights", net.weights_image.size()}, {"io", net.io_bytes},
                    {"scratch", net.scratch_bytes}, {"state", 0}}},
      {"subnets", {{{"name", "main"}, {"program", "main"}}}},
      {"inputs", {stream_json(net.spec.input_name, batch, net.spec.input_features,
                              layers.front().input_scale, net.input_offset)}},
      {"outputs", {stream_json(net.spec.output_name, batch, layers.back().out,
                               layers.back().output_scale, net.output_offset)}},
      {"layers", layer_info},
      {"compiler", {{"name", "npustack net compiler"}, {"seed", net.spec.seed}}},
  };
  net.metadata_json = meta.dump(2);
  return {};
}

Expected<CompiledNet> compile_net(const NetSpec& spec) {
  if (spec.layers.empty() || spec.input_features == 0 || spec.batch == 0) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("network '{}' needs an input shape and at least one layer", spec.name));
  }
  CompiledNet net;
  net.spec = spec;
  NPU_TRY_ASSIGN(net.layers, quantize_layers(spec));
  NPU_TRY(calibrate(spec, net.layers));
  NPU_TRY(emit(net));
  return net;
}

}  // namespace npu::compiler::net
