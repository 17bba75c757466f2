// GPT-2's byte-level mapping (private): every byte is shown as one printable code point, so that
// BPE vocabularies can store arbitrary bytes as text. Printable Latin-1 bytes ('!'..'~',
// U+00A1..U+00AC, U+00AE..U+00FF) map to themselves; the other 68 bytes map to U+0100, U+0101, ...
// in increasing byte order (so ' ' is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace npu::genai {

class ByteLevel {
 public:
  [[nodiscard]] static const ByteLevel& instance();

  // The UTF-8 text of byte b's code point.
  [[nodiscard]] const std::string& encode(std::uint8_t b) const noexcept { return encoded_[b]; }
  // Raw bytes -> byte-level text.
  [[nodiscard]] std::string encode(std::string_view bytes) const;
  // Byte-level text -> raw bytes. Code points outside the mapping are kept as their UTF-8 bytes
  // (user-added tokens may contain them). Returns false when that happened.
  bool decode(std::string_view text, std::string& out) const;

 private:
  ByteLevel();
  std::array<std::string, 256> encoded_;
  std::array<std::int16_t, 324> decoded_{};  // code point (< 324) -> byte, -1 if unmapped
};

}  // namespace npu::genai
