// A small byte-level BPE vocabulary for the genai tests: 13 LFM2-style special tokens, the 256
// GPT-2 byte tokens (id = kByteBase + byte), then a few merged tokens whose ids the tests check.
#pragma once

#include <string>
#include <vector>

#include "npu/common/tokenizer_data.hpp"

namespace npu::genai::test {

inline constexpr int kByteBase = 13;

// GPT-2 byte -> code point text (written out independently of the implementation under test).
inline std::string byte_text(int b) {
  int cp = b;
  const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  if (!printable) {
    int n = 0;
    for (int x = 0; x < b; ++x) {
      const bool p = (x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || x >= 0xae;
      if (!p) ++n;
    }
    cp = 256 + n;
  }
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

// Raw bytes -> byte-level text.
inline std::string bl(const std::string& raw) {
  std::string s;
  for (unsigned char c : raw) s += byte_text(c);
  return s;
}

struct Merge {
  std::string left, right;  // raw bytes
};

// Merges in rank order (0 first). Their results get ids kByteBase + 256 + rank.
inline std::vector<Merge> default_merges() {
  return {
      {"h", "e"},        // 269 "he"
      {"l", "l"},        // 270 "ll"
      {"he", "ll"},      // 271 "hell"
      {"hell", "o"},     // 272 "hello"
      {" ", "w"},        // 273 " w"
      {"o", "r"},        // 274 "or"
      {" w", "or"},      // 275 " wor"
      {"l", "d"},        // 276 "ld"
      {" wor", "ld"},    // 277 " world"
      {"\xd0", "\xbf"},  // 278 "п"
      {"1", "2"},        // 279 "12"
      {" ", " "},        // 280 "  "
  };
}

inline TokenizerData make_vocab(const std::string& pre = "lfm2",
                                std::vector<Merge> merges = default_merges()) {
  TokenizerData d;
  d.model = "gpt2";
  d.pre = pre;
  for (const char* s : {"<|pad|>", "<|startoftext|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>",
                        "<think>", "</think>", "<|tool_call_start|>", "<|tool_call_end|>",
                        "<|tool_list_start|>", "<|tool_list_end|>", "<|tool_response_start|>",
                        "<|tool_response_end|>"}) {
    d.tokens.emplace_back(s);
    d.token_types.push_back(TokenType::kControl);
  }
  for (int b = 0; b < 256; ++b) {
    d.tokens.push_back(byte_text(b));
    d.token_types.push_back(TokenType::kNormal);
  }
  for (const Merge& m : merges) {
    d.merges.push_back(bl(m.left) + " " + bl(m.right));
    d.tokens.push_back(bl(m.left + m.right));
    d.token_types.push_back(TokenType::kNormal);
  }
  d.bos_id = 1;
  d.eos_id = 4;
  d.pad_id = 0;
  d.add_bos = true;
  return d;
}

}  // namespace npu::genai::test
