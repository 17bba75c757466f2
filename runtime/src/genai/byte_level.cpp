#include "byte_level.hpp"

#include "utf8.hpp"

namespace npu::genai {

const ByteLevel& ByteLevel::instance() {
  static const ByteLevel table;
  return table;
}

ByteLevel::ByteLevel() {
  decoded_.fill(-1);
  std::uint32_t next_cp = 256;
  for (std::uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
    const std::uint32_t cp = printable ? b : next_cp++;
    utf8::append(encoded_[b], cp);
    decoded_[cp] = static_cast<std::int16_t>(b);
  }
}

std::string ByteLevel::encode(std::string_view bytes) const {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += encoded_[static_cast<std::uint8_t>(c)];
  return out;
}

bool ByteLevel::decode(std::string_view text, std::string& out) const {
  bool all_mapped = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const std::uint32_t cp = utf8::next(text, pos);
    if (cp < decoded_.size() && decoded_[cp] >= 0) {
      out += static_cast<char>(static_cast<std::uint8_t>(decoded_[cp]));
    } else {
      out.append(text.substr(start, pos - start));
      all_mapped = false;
    }
  }
  return all_mapped;
}

}  // namespace npu::genai
