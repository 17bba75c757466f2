// LocalLlm's device profiling: start / read the profile of one device of the session's VDevice,
// with the layer of each of the session's ops filled in.
#include <cstring>

#include <fmt/format.h>

#include "npu/codec/program_codec.hpp"
#include "npu_abi/program.hpp"

#include "local/llm/local_llm.hpp"
#include "local/runtime_types.hpp"

namespace npu::local {

namespace {

// Layer of each op of a program: its layer tag (abi::op_layer) when the compiler set one, else
// inferred from the decoder structure every LLM program has (docs/npk-llm.md): a layer ends with
// its second residual kAdd (no kBroadcastB; bias adds broadcast), and ops after the last layer
// (final norm, head, argmax) belong to none.
std::vector<std::uint32_t> op_layers(std::span<const std::byte> program) {
  std::vector<std::uint32_t> layers;
  auto decoded = codec::decode_program(program);  // checked when the package was loaded
  if (!decoded) return layers;
  const std::vector<abi::OpDesc>& ops = decoded->ops;
  std::uint32_t residual_adds = 0, last_layer_end = 0;
  bool tagged = false;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    tagged = tagged || ops[i].reserved != 0;
    if (ops[i].opcode == static_cast<std::uint16_t>(abi::OpCode::kAdd) && (ops[i].flags & abi::kBroadcastB) == 0 &&
        ++residual_adds % 2 == 0)
      last_layer_end = static_cast<std::uint32_t>(i);
  }
  layers.resize(ops.size(), abi::kProfileNoLayer);
  std::uint32_t adds = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (tagged) {
      layers[i] = abi::op_layer(ops[i]);
      continue;
    }
    if (i <= last_layer_end && ops[i].opcode != static_cast<std::uint16_t>(abi::OpCode::kEmbed)) layers[i] = adds / 2;
    if (ops[i].opcode == static_cast<std::uint16_t>(abi::OpCode::kAdd) && (ops[i].flags & abi::kBroadcastB) == 0) ++adds;
  }
  return layers;
}

}  // namespace

Expected<driver::Driver*> LocalLlm::profiled_driver(std::size_t device) const {
  const std::size_t count = session_->model->vdevice().drivers().size();
  if (device >= count) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device index {} out of range (this VDevice has {})", device, count));
  }
  return &session_->model->driver(device);
}

Expected<void> LocalLlm::start_device_profile(std::size_t device) {
  NPU_TRY_ASSIGN(driver::Driver * drv, profiled_driver(device));
  return drv->start_profile();
}

Expected<ProfileData> LocalLlm::read_device_profile(std::size_t device) {
  NPU_TRY_ASSIGN(driver::Driver * drv, profiled_driver(device));
  NPU_TRY_ASSIGN(driver::ProfileData data, drv->read_profile(true));
  // Fill in the layer of this session's untagged ops from its programs.
  const auto& pkg = session_->model->package();
  const std::vector<std::uint32_t> layers[2] = {op_layers(pkg.prefill_program), op_layers(pkg.tbt_program)};
  const auto contexts = device_contexts(device);
  for (auto& r : data.records) {
    if (r.kind != static_cast<std::uint16_t>(abi::ProfileKind::kOp) || r.layer != abi::kProfileNoLayer) continue;
    for (const auto& [id, name] : contexts) {
      const auto& map = layers[name == "prefill" ? 0 : 1];
      if (id == r.context_id && r.op_index < map.size()) r.layer = map[r.op_index];
    }
  }
  return to_runtime(data);
}

std::vector<std::pair<std::uint32_t, std::string>> LocalLlm::device_contexts(std::size_t device) const {
  return session_->core->context_names(device);
}

}  // namespace npu::local
