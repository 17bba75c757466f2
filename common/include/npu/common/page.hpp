// Host memory geometry, always queried, never assumed (a Raspberry Pi 5 kernel uses 16 KiB pages).
#pragma once

#include <cstddef>

namespace npu {

// The OS page size (sysconf). Tests may set NPU_PAGE_SIZE (a power of two, >= the real page size,
// e.g. 16384) to run the stack as if on a 16 KiB-page kernel.
[[nodiscard]] std::size_t host_page_size() noexcept;

// The L1 data cache line size (sysconf), 64 when the OS does not say.
[[nodiscard]] std::size_t cache_line_size() noexcept;

[[nodiscard]] constexpr std::size_t align_up(std::size_t value, std::size_t alignment) noexcept {
  return (value + alignment - 1) / alignment * alignment;
}
[[nodiscard]] constexpr bool is_power_of_two(std::size_t value) noexcept {
  return value != 0 && (value & (value - 1)) == 0;
}

}  // namespace npu
