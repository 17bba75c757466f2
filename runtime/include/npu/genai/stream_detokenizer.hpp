// StreamDetokenizer: turns tokens, fed one at a time, into text that only ever ends on a UTF-8
// character boundary. A token may carry half of a multi-byte character (byte-level BPE splits
// emoji and CJK freely); those bytes are held back until the character is complete. Bytes that
// can never become valid UTF-8 come out as U+FFFD, so every returned string is valid UTF-8.
#pragma once

#include <string>

#include "npu/common/error.hpp"
#include "npu/genai/tokenizer.hpp"

namespace npu::genai {

class StreamDetokenizer {
 public:
  // `tokenizer` must outlive this object.
  explicit StreamDetokenizer(const Tokenizer& tokenizer, DecodeOptions options = {})
      : tokenizer_(&tokenizer), options_(options) {}

  // The complete characters this token finishes (possibly empty). kInvalidArgument for an id
  // outside the vocabulary.
  [[nodiscard]] Expected<std::string> push(TokenId id);
  // Whatever is still held back, with incomplete characters replaced by U+FFFD; then empty.
  [[nodiscard]] std::string flush();
  void reset() noexcept { pending_.clear(); }
  [[nodiscard]] bool has_pending() const noexcept { return !pending_.empty(); }

 private:
  const Tokenizer* tokenizer_;
  DecodeOptions options_;
  std::string pending_;
};

}  // namespace npu::genai
