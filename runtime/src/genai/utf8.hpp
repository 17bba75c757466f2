// UTF-8 helpers shared by the genai sources (private).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace npu::genai::utf8 {

// Length of the sequence a lead byte announces (1..4), or 0 for a continuation/invalid byte.
[[nodiscard]] std::size_t sequence_length(unsigned char lead) noexcept;

// The byte offset where the first invalid sequence starts, or nullopt when `text` is valid
// UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
[[nodiscard]] std::optional<std::size_t> find_invalid(std::string_view text) noexcept;

// How many bytes at the end of `bytes` form an incomplete (but so far valid) sequence that
// more bytes could complete: 0..3.
[[nodiscard]] std::size_t incomplete_tail(std::string_view bytes) noexcept;

// Replaces every invalid sequence with U+FFFD.
[[nodiscard]] std::string sanitize(std::string_view bytes);

void append(std::string& out, std::uint32_t code_point);

// Decodes the code point at `pos` of valid UTF-8 and advances `pos`.
[[nodiscard]] std::uint32_t next(std::string_view text, std::size_t& pos) noexcept;

}  // namespace npu::genai::utf8
