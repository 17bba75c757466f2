#include "npu/compiler/synthetic_tokenizer.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace npu::compiler {
namespace {

constexpr std::array<std::string_view, kSyntheticSpecialTokens> kSpecials{
    "<|pad|>", "<|startoftext|>", "<|endoftext|>", "<|fim_pre|>",
    "<|fim_mid|>", "<|fim_suf|>", "<|im_start|>", "<|im_end|>"};

constexpr std::int32_t kNormal = 1;
constexpr std::int32_t kControl = 3;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// GPT-2's byte -> printable code point map: printable Latin-1 bytes map to themselves, the
// others to 256, 257, ... in byte order.
std::array<std::string, 256> byte_tokens() {
  std::array<std::string, 256> out;
  std::uint32_t next = 256;
  for (std::uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae);
    append_utf8(out[b], printable ? b : next++);
  }
  return out;
}

}  // namespace

Expected<GgufTokenizer> make_synthetic_tokenizer(std::uint32_t vocab_size) {
  if (vocab_size < kSyntheticMinVocab) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("a synthetic tokenizer needs a vocabulary of at least {} (8 specials + 256 "
                            "bytes), got {}", kSyntheticMinVocab, vocab_size));
  }
  GgufTokenizer tok;
  for (std::string_view s : kSpecials) {
    tok.tokens.emplace_back(s);
    tok.token_types.push_back(kControl);
  }
  const auto bytes = byte_tokens();
  for (const std::string& b : bytes) {
    tok.tokens.push_back(b);
    tok.token_types.push_back(kNormal);
  }
  // Merged tokens: pairs of printable ASCII letters/digits, then that pair plus a third, ...
  // Each is the concatenation of an existing token and one byte token, so every merge is valid.
  const std::string_view alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<std::string> frontier(alphabet.size());
  for (std::size_t i = 0; i < alphabet.size(); ++i) frontier[i] = std::string(1, alphabet[i]);
  while (tok.tokens.size() < vocab_size) {
    std::vector<std::string> grown;
    for (const std::string& left : frontier) {
      for (char c : alphabet) {
        if (tok.tokens.size() >= vocab_size) break;
        std::string merged = left + c;
        tok.merges.push_back(left + " " + std::string(1, c));
        tok.tokens.push_back(merged);
        tok.token_types.push_back(kNormal);
        grown.push_back(std::move(merged));
      }
    }
    frontier = std::move(grown);
  }
  return tok;
}

}  // namespace npu::compiler
