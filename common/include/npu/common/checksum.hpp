// CRC-32 (IEEE 802.3, as zlib computes it) over byte ranges; used by firmware images and .npk files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace npu {

[[nodiscard]] std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t seed = 0) noexcept;
[[nodiscard]] std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t seed = 0) noexcept;

}  // namespace npu
