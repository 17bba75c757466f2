// A Hugging Face tokenizer.json (+ tokenizer_config.json) imported by `npu compile`; a tokenizer
// that imports is then built and used on a short text, as a session would.
#include "fuzz_input.hpp"
#include "npu/compiler/llm_source.hpp"
#include "npu/compiler/model_config.hpp"
#include "npu/genai/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Field 1: tokenizer.json; field 2 (after a NUL), if present: tokenizer_config.json.
  const auto parts = npu::fuzz::fields(npu::fuzz::text(data, size));
  const auto dir = npu::fuzz::scratch_dir();
  (void)npu::fuzz::write_scratch("tokenizer.json", std::as_bytes(std::span(parts[0])));
  std::error_code ec;
  std::filesystem::remove(dir / "tokenizer_config.json", ec);
  if (parts.size() > 1) {
    (void)npu::fuzz::write_scratch("tokenizer_config.json", std::as_bytes(std::span(parts[1])));
  }
  npu::compiler::ModelConfig config;
  config.arch = npu::compiler::Architecture::kLfm2;
  config.vocab_size = 4096;
  auto imported = npu::compiler::llm::tokenizer_from_hf_folder(dir, config);
  if (!imported) return 0;
  npu::fuzz::require(imported->tokens.size() <= config.vocab_size);
  // (`npu compile` then sets BOS/EOS from the model config and validates before writing.)
  if (!imported->validate()) return 0;
  auto tokenizer = npu::genai::Tokenizer::create(*imported);
  if (!tokenizer) return 0;
  const std::string_view sample = parts.size() > 2 ? parts[2] : "Hello, world! 123 <|im_start|>";
  if (auto ids = tokenizer->encode(sample)) (void)tokenizer->decode(*ids);
  return 0;
}
