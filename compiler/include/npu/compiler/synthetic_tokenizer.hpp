// A synthetic byte-level BPE vocabulary that llama.cpp accepts for test models: LFM2-style special
// tokens first (<|pad|> 0, <|startoftext|> 1, ..., <|im_end|> 7), then the 256 GPT-2 byte tokens,
// then unique multi-character tokens with matching merges up to `vocab_size`.
#pragma once

#include <cstdint>

#include "npu/common/error.hpp"
#include "npu/compiler/gguf_model_export.hpp"

namespace npu::compiler {

inline constexpr std::uint32_t kSyntheticSpecialTokens = 8;
inline constexpr std::uint32_t kSyntheticMinVocab = kSyntheticSpecialTokens + 256;

// vocab_size >= kSyntheticMinVocab; bos 1, eos 7, pad 0 as in LFM2.
[[nodiscard]] Expected<GgufTokenizer> make_synthetic_tokenizer(std::uint32_t vocab_size);

}  // namespace npu::compiler
