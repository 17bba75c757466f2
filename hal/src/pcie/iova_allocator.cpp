#include "pcie/iova_allocator.hpp"

#include "npu/common/page.hpp"

namespace npu::hal {

std::optional<std::uint64_t> IovaAllocator::allocate(std::size_t bytes) {
  const std::uint64_t size = align_up(bytes == 0 ? 1 : bytes, page_);
  std::lock_guard lock(mutex_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < size) continue;
    const std::uint64_t start = it->first;
    const std::uint64_t rest = it->second - size;
    free_.erase(it);
    if (rest > 0) free_[start + size] = rest;
    return start;
  }
  return std::nullopt;
}

void IovaAllocator::release(std::uint64_t iova, std::size_t bytes) {
  std::uint64_t start = iova;
  std::uint64_t size = align_up(bytes == 0 ? 1 : bytes, page_);
  std::lock_guard lock(mutex_);
  auto next = free_.lower_bound(start);
  if (next != free_.end() && start + size == next->first) {  // merge with the following range
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {  // merge with the preceding range
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      prev->second += size;
      return;
    }
  }
  free_[start] = size;
}

}  // namespace npu::hal
