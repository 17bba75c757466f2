// A Hugging Face config.json: architecture, shapes, layer types, RoPE and the rest, validated.
#include "fuzz_input.hpp"
#include "npu/compiler/model_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto config = npu::compiler::model_config_from_hf_json(npu::fuzz::text(data, size));
  if (config) (void)config->validate();
  return 0;
}
