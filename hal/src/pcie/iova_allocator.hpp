// Device-address (IOVA) space for host DMA buffers: page-aligned first-fit ranges from a base
// above 4 GiB (so a dropped high address word shows up at once), freed ranges reused and merged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace npu::hal {

class IovaAllocator {
 public:
  IovaAllocator(std::uint64_t base, std::uint64_t size, std::size_t page) : page_(page) { free_[base] = size; }

  // nullopt when no free range is large enough. `bytes` is rounded up to the page.
  [[nodiscard]] std::optional<std::uint64_t> allocate(std::size_t bytes);
  void release(std::uint64_t iova, std::size_t bytes);

 private:
  std::mutex mutex_;
  std::size_t page_;
  std::map<std::uint64_t, std::uint64_t> free_;  // start -> length
};

}  // namespace npu::hal
