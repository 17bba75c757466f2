// TokenizerData: the tokenizer as carried in the .npk tokenizer section (npk::SectionType::kTokenizer).
// The compiler fills it from GGUF `tokenizer.ggml.*` keys (or a HF tokenizer.json) and writes
// serialize()'s bytes into the .npk; the runtime reads them back with parse() and builds a
// genai::Tokenizer from them. Nothing here tokenizes: it is only the data and its file format.
//
// Binary layout (little-endian, version 1):
//   magic "NPUTOKZ\0" | u32 version | u32 header_size (48) | u32 token_count | u32 merge_count
//   | i32 bos | i32 eos | i32 pad | i32 unk | u32 flags | u32 reserved(0)       (48 bytes)
//   then strings, each u32 length + bytes: model, pre, chat_template, tokens[token_count],
//   merges[merge_count]; then token_count u8 token types.
// Version 2 (written only when there are named chat templates) appends u32 count and that many
// (name, template) string pairs.
// parse() checks every length against the remaining bytes, so truncated or corrupted input gives
// an Error naming the field, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "npu/common/error.hpp"

namespace npu {

// The GGUF `tokenizer.ggml.token_type` values (llama.cpp's numbering), kept as-is.
enum class TokenType : std::uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,      // <|im_start|>, <|startoftext|>, ...: matched whole, hidden when decoding
  kUserDefined = 4,  // added tokens matched whole, shown when decoding (e.g. <think> in some vocabs)
  kUnused = 5,
  kByte = 6,         // <0xNN> byte tokens (SentencePiece-style vocabularies)
};
[[nodiscard]] std::string_view to_string(TokenType type) noexcept;
// A GGUF token_type value -> TokenType; values outside 0..6 give kInvalidArgument.
[[nodiscard]] Expected<TokenType> token_type_from_gguf(std::int32_t value);

struct TokenizerData {
  static constexpr std::uint32_t kFormatVersion = 2;
  static constexpr std::int32_t kNoToken = -1;

  std::string model = "gpt2";  // tokenizer.ggml.model: "gpt2" = byte-level BPE
  std::string pre = "lfm2";    // tokenizer.ggml.pre: the pre-tokenizer split ("lfm2", "qwen2", ...)
  std::vector<std::string> tokens;
  std::vector<TokenType> token_types;  // one per token
  std::vector<std::string> merges;     // "left right", highest priority first
  std::int32_t bos_id = kNoToken;
  std::int32_t eos_id = kNoToken;
  std::int32_t pad_id = kNoToken;
  std::int32_t unk_id = kNoToken;
  bool add_bos = false;  // prepend BOS when encoding a prompt
  bool add_eos = false;  // append EOS when encoding (rare; kept for completeness)
  std::string chat_template;  // the model's default chat template (Jinja), empty if it has none
  // Further templates by name (Hugging Face's list form, GGUF tokenizer.chat_template.NAME), e.g.
  // "tool_use", which Hugging Face uses when tools are passed.
  std::vector<std::pair<std::string, std::string>> named_chat_templates;

  // Consistency checks: token_types sized like tokens, special ids in range, no empty or
  // duplicate token strings, non-empty model and pre names.
  [[nodiscard]] Expected<void> validate() const;

  [[nodiscard]] std::vector<std::byte> serialize() const;
  // Parses and validates. Errors say which field is damaged and suggest recompiling the model.
  [[nodiscard]] static Expected<TokenizerData> parse(std::span<const std::byte> bytes);

  friend bool operator==(const TokenizerData&, const TokenizerData&) = default;
};

}  // namespace npu
