// GGUF files (compiler/src/model): header, metadata, tensor table, then what `npu compile` reads
// from them: the model config, the tokenizer, and every tensor dequantized to float.
#include "fuzz_input.hpp"
#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/model_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = npu::fuzz::bytes(data, size);
  auto file = npu::compiler::GgufFile::from_bytes(std::vector<std::byte>(in.begin(), in.end()), "fuzz.gguf");
  if (!file) return 0;
  for (const auto& [key, value] : file->metadata()) npu::fuzz::require(file->find(key) != nullptr);
  (void)npu::compiler::model_config_from_gguf(*file);
  (void)npu::compiler::llm::tokenizer_from_gguf(*file);
  for (const auto& t : file->tensors()) {
    const auto raw = file->tensor_data(t);
    npu::fuzz::require(raw.size() == t.size_bytes);
    if (auto values = file->dequantize(t.name)) npu::fuzz::require(values->size() == t.element_count());
  }
  return 0;
}
