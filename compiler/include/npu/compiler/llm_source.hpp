// What `npu compile` accepts for an LLM, turned into an LlmSource: a GGUF file, a Hugging Face
// folder (config.json + safetensors [+ tokenizer.json]), a config.json for synthetic weights, or
// the name of a built-in model shape (llm_builtin.hpp) for synthetic weights.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "npu/common/error.hpp"
#include "npu/common/tokenizer_data.hpp"
#include "npu/compiler/gguf_model_export.hpp"
#include "npu/compiler/gguf_reader.hpp"
#include "npu/compiler/llm_compiler.hpp"
#include "npu/compiler/model_weight_sources.hpp"

namespace npu::compiler::llm {

// Owns the weights that `source.weights` points to.
struct LoadedLlm {
  std::unique_ptr<WeightSource> weights;
  LlmSource source;
};

// A .gguf path or a Hugging Face folder.
[[nodiscard]] Expected<LoadedLlm> load_llm_model(const std::filesystem::path& path);
// A config.json path or a built-in model name, with deterministic synthetic weights and tokenizer.
[[nodiscard]] Expected<LoadedLlm> load_llm_synthetic(std::string_view config_or_name, std::uint64_t seed = 0);

// The tokenizer of a GGUF file (tokenizer.ggml.* keys) / a synthetic one / from a GgufTokenizer.
[[nodiscard]] Expected<TokenizerData> tokenizer_from_gguf(const GgufFile& file);
[[nodiscard]] Expected<TokenizerData> tokenizer_from_export(const GgufTokenizer& tok, const ModelConfig& config);
// tokenizer.json (+ tokenizer_config.json, chat_template.jinja, additional_chat_templates/*.jinja)
// of a Hugging Face folder; BPE models only.
[[nodiscard]] Expected<TokenizerData> tokenizer_from_hf_folder(const std::filesystem::path& dir, const ModelConfig& config);

}  // namespace npu::compiler::llm
