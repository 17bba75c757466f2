#include "npu/common/page.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace npu {

std::size_t host_page_size() noexcept {
  static const std::size_t size = [] {
    long os = ::sysconf(_SC_PAGESIZE);
    std::size_t page = os > 0 ? static_cast<std::size_t>(os) : 4096;
    if (const char* forced = std::getenv("NPU_PAGE_SIZE")) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(forced, &end, 0);
      if (end && *end == '\0' && is_power_of_two(v) && v >= page) page = static_cast<std::size_t>(v);
    }
    return page;
  }();
  return size;
}

std::size_t cache_line_size() noexcept {
  long line = ::sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
  return line > 0 ? static_cast<std::size_t>(line) : 64;
}

}  // namespace npu
