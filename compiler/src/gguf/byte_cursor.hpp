// Private helper: a bounds-checked little-endian reader over a byte span. Every read names what
// it was reading, so a truncated file yields "truncated while reading <what> at offset N".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "npu/common/error.hpp"

namespace npu::compiler::detail {

class ByteCursor {
 public:
  explicit ByteCursor(std::span<const std::byte> bytes) : bytes_(bytes) {}

  [[nodiscard]] std::uint64_t offset() const noexcept { return pos_; }
  [[nodiscard]] std::uint64_t remaining() const noexcept { return bytes_.size() - pos_; }

  template <class T>
  [[nodiscard]] Expected<T> read(std::string_view what) {
    if (remaining() < sizeof(T)) return fail(truncated(what, sizeof(T)));
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));  // GGUF is little-endian, like our hosts
    pos_ += sizeof(T);
    return value;
  }

  // A GGUF string: u64 length, then that many bytes (not NUL-terminated).
  [[nodiscard]] Expected<std::string> read_string(std::string_view what) {
    NPU_TRY_ASSIGN(std::uint64_t length, read<std::uint64_t>(what));
    if (length > remaining()) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("{} at offset {} claims {} bytes but only {} remain (truncated or "
                              "corrupted file)",
                              what, pos_ - 8, length, remaining()));
    }
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return s;
  }

  [[nodiscard]] Error truncated(std::string_view what, std::uint64_t need) const {
    return Error(ErrorCode::kBadFormat,
                 fmt::format("truncated while reading {} at offset {}: need {} bytes, {} remain",
                             what, pos_, need, remaining()));
  }

 private:
  std::span<const std::byte> bytes_;
  std::uint64_t pos_ = 0;
};

}  // namespace npu::compiler::detail
