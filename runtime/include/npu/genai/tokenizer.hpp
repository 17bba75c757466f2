// Tokenizer: byte-level BPE (GGUF model "gpt2") over the TokenizerData carried in a .npk.
//
// encode(): special tokens (control, user-defined and unknown types, e.g. <|im_start|>, <think>)
// are matched as whole strings first (longest first; control/unknown only with parse_special); the text between
// them is split by the PreTokenizer, each piece is mapped through GPT-2's byte->unicode table and
// merged by merge rank (lowest rank first, leftmost on ties), as llama.cpp does. For the LLaMA-3
// family of pre-tokenizers a piece that is itself a token is emitted whole ("ignore merges").
// decode(): the inverse; control tokens are hidden unless asked for.
//
// A Tokenizer is immutable after create() and safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/tokenizer_data.hpp"
#include "npu/genai/pre_tokenizer.hpp"

namespace npu::genai {

using TokenId = std::int32_t;

struct EncodeOptions {
  bool add_special = true;    // prepend BOS (append EOS) when the vocabulary asks for it
  bool parse_special = true;  // match control-token strings in the text as single tokens
                              // (user-defined tokens are always matched, as in llama.cpp)
};

struct DecodeOptions {
  bool skip_special = true;  // hide control/unknown/unused tokens (BOS, <|im_end|>, ...)
};

class Tokenizer {
 public:
  // Refuses models other than "gpt2", unknown pre-tokenizers, vocabularies without all 256 byte
  // tokens, and malformed merges (kBadFormat / kUnsupported, with what to do).
  [[nodiscard]] static Expected<Tokenizer> create(const TokenizerData& data);

  [[nodiscard]] Expected<std::vector<TokenId>> encode(std::string_view text,
                                                      EncodeOptions options = {}) const;
  // The text of `ids`; bytes that do not form valid UTF-8 come out as U+FFFD.
  [[nodiscard]] Expected<std::string> decode(std::span<const TokenId> ids,
                                             DecodeOptions options = {}) const;

  // The raw bytes a token stands for (a special token: its text). Empty for an invalid id.
  [[nodiscard]] std::string_view token_bytes(TokenId id) const noexcept;
  // The token's vocabulary string (byte-level form for normal tokens). Empty for an invalid id.
  [[nodiscard]] std::string_view token_text(TokenId id) const noexcept;
  [[nodiscard]] std::optional<TokenId> token_id(std::string_view text) const;
  [[nodiscard]] TokenType token_type(TokenId id) const noexcept;
  // Control, user-defined or unknown: matched whole in text.
  [[nodiscard]] bool is_special(TokenId id) const noexcept;
  // Hidden by decode() with skip_special.
  [[nodiscard]] bool is_hidden(TokenId id) const noexcept;
  [[nodiscard]] bool valid(TokenId id) const noexcept {
    return id >= 0 && static_cast<std::size_t>(id) < tokens_.size();
  }

  [[nodiscard]] std::size_t vocab_size() const noexcept { return tokens_.size(); }
  [[nodiscard]] std::optional<TokenId> bos_id() const noexcept { return optional_id(bos_); }
  [[nodiscard]] std::optional<TokenId> eos_id() const noexcept { return optional_id(eos_); }
  [[nodiscard]] std::optional<TokenId> pad_id() const noexcept { return optional_id(pad_); }
  [[nodiscard]] bool add_bos() const noexcept { return add_bos_; }
  [[nodiscard]] const std::string& chat_template() const noexcept { return chat_template_; }
  [[nodiscard]] const PreTokenizer& pre_tokenizer() const noexcept { return pre_; }

 private:
  struct Merge {
    std::int32_t rank;
    TokenId merged;
  };
  explicit Tokenizer(PreTokenizer pre) : pre_(std::move(pre)) {}
  [[nodiscard]] static std::optional<TokenId> optional_id(TokenId id) noexcept {
    return id >= 0 ? std::optional<TokenId>(id) : std::nullopt;
  }
  // The longest special token starting at text[pos], or -1.
  [[nodiscard]] TokenId special_at(std::string_view text, std::size_t pos, bool parse_special) const;
  [[nodiscard]] Expected<void> encode_text(std::string_view text, std::vector<TokenId>& out) const;
  void encode_piece(std::string_view piece, std::vector<TokenId>& out) const;
  [[nodiscard]] Expected<void> load_merges(const std::vector<std::string>& merges);

  PreTokenizer pre_;
  std::vector<std::string> tokens_;
  std::vector<TokenType> types_;
  std::vector<std::string> bytes_;  // decoded bytes per token
  std::unordered_map<std::string_view, TokenId> by_text_;
  std::unordered_map<std::uint64_t, Merge> merges_;  // (left << 32 | right) -> rank, result
  std::vector<TokenId> byte_tokens_;                 // byte value -> token
  std::vector<TokenId> specials_;                    // matched whole, longest first
  std::array<bool, 256> special_first_{};            // bytes a special token can start with
  TokenId bos_ = -1, eos_ = -1, pad_ = -1;
  bool add_bos_ = false, add_eos_ = false;
  std::string chat_template_;
};

}  // namespace npu::genai
