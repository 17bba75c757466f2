#include "npu/common/checksum.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace npu {

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t seed) noexcept {
  uLong crc = seed;
  const auto* p = static_cast<const Bytef*>(data);
  while (size > 0) {  // zlib takes uInt lengths: feed large ranges in pieces
    uInt chunk = static_cast<uInt>(std::min<std::size_t>(size, std::numeric_limits<uInt>::max()));
    crc = ::crc32(crc, p, chunk);
    p += chunk;
    size -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t seed) noexcept {
  return crc32(data.data(), data.size(), seed);
}

}  // namespace npu
