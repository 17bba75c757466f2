#include "utf8.hpp"

namespace npu::genai::utf8 {
namespace {

// Length of the valid sequence starting at `pos`, 0 if it is invalid, or SIZE_MAX if it is a
// valid prefix cut off by the end of the text.
std::size_t valid_length(std::string_view s, std::size_t pos) noexcept {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = at(pos);
  const std::size_t n = sequence_length(b0);
  if (n == 0) return 0;
  if (n == 1) return 1;
  // Allowed range of the second byte rules out overlongs, surrogates and > U+10FFFF.
  unsigned char lo = 0x80, hi = 0xbf;
  if (b0 == 0xe0) lo = 0xa0;
  if (b0 == 0xed) hi = 0x9f;
  if (b0 == 0xf0) lo = 0x90;
  if (b0 == 0xf4) hi = 0x8f;
  for (std::size_t i = 1; i < n; ++i) {
    if (pos + i >= s.size()) return SIZE_MAX;
    const unsigned char b = at(pos + i);
    const unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xbf;
    if (b < l || b > h) return 0;
  }
  return n;
}

}  // namespace

std::size_t sequence_length(unsigned char lead) noexcept {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

std::optional<std::size_t> find_invalid(std::string_view text) noexcept {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t n = valid_length(text, pos);
    if (n == 0 || n == SIZE_MAX) return pos;
    pos += n;
  }
  return std::nullopt;
}

std::size_t incomplete_tail(std::string_view bytes) noexcept {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  const std::size_t size = bytes.size();
  for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
    const auto b = static_cast<unsigned char>(bytes[size - back]);
    if ((b & 0xc0) == 0x80) continue;  // continuation byte: keep looking for the lead
    return valid_length(bytes, size - back) == SIZE_MAX ? back : 0;
  }
  return 0;
}

std::string sanitize(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t n = valid_length(bytes, pos);
    if (n == 0 || n == SIZE_MAX) {
      out += "\xef\xbf\xbd";
      ++pos;
      // Skip the continuation bytes of the broken sequence so one error gives one U+FFFD.
      while (pos < bytes.size() && (static_cast<unsigned char>(bytes[pos]) & 0xc0) == 0x80) ++pos;
      continue;
    }
    out.append(bytes.substr(pos, n));
    pos += n;
  }
  return out;
}

void append(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::uint32_t next(std::string_view text, std::size_t& pos) noexcept {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  std::size_t n = sequence_length(b0);
  if (n == 0 || pos + n > text.size()) {
    ++pos;
    return 0xfffd;
  }
  std::uint32_t cp = n == 1 ? b0 : (b0 & (0xff >> (n + 1)));
  for (std::size_t i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3f);
  pos += n;
  return cp;
}

}  // namespace npu::genai::utf8
