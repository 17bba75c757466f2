// Hugging Face safetensors files: the 8-byte header length, the JSON header (dtypes, shapes,
// offsets checked against the data section) and every tensor loaded as float.
#include "fuzz_input.hpp"
#include "npu/compiler/safetensors_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = npu::fuzz::write_scratch("model.safetensors", npu::fuzz::bytes(data, size));
  auto file = npu::compiler::SafetensorsFile::open(path);
  if (!file) return 0;
  for (const auto& [name, tensor] : file->tensors()) {
    npu::fuzz::require(tensor.begin <= tensor.end);
    npu::fuzz::require(file->data(tensor).size() == tensor.end - tensor.begin);
    if (auto values = file->load(name)) npu::fuzz::require(values->size() == tensor.element_count());
  }
  return 0;
}
