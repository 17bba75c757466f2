#include "npu/driver/device_memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "npu/common/page.hpp"

namespace npu::driver {

namespace {
std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}
}  // namespace

Expected<DeviceMemoryAllocator> DeviceMemoryAllocator::create(std::uint64_t base, std::uint64_t size,
                                                              std::uint64_t granule) {
  if (!is_power_of_two(granule)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device memory granule {} must be a power of two", granule));
  }
  if (size < granule || base % granule != 0 || base + size < base) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device memory range [0x{:x}, +0x{:x}) is empty or misaligned to the "
                            "{}-byte granule",
                            base, size, granule));
  }
  return DeviceMemoryAllocator(base, size / granule * granule, granule);
}

DeviceMemoryAllocator::DeviceMemoryAllocator(std::uint64_t base, std::uint64_t size,
                                             std::uint64_t granule)
    : base_(base), size_(size), granule_(granule) {
  reset();
}

void DeviceMemoryAllocator::reset() noexcept {
  free_.clear();
  used_.clear();
  free_[base_] = size_;
  free_bytes_ = size_;
}

Expected<std::uint64_t> DeviceMemoryAllocator::allocate(std::uint64_t bytes, std::uint64_t alignment) {
  if (bytes == 0) {
    return fail(ErrorCode::kInvalidArgument, "device memory allocation of 0 bytes; ask for at least 1");
  }
  if (alignment == 0) alignment = 1;
  if (!is_power_of_two(alignment)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device memory alignment {} must be a power of two", alignment));
  }
  if (bytes > size_) {
    return fail(ErrorCode::kOutOfMemory,
                fmt::format("device memory allocation of {} exceeds the device's {} in total",
                            mib(bytes), mib(size_)));
  }
  alignment = std::max(alignment, granule_);
  const std::uint64_t need = align_up(bytes, granule_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const auto [start, len] = *it;
    const std::uint64_t addr = align_up(start, alignment);
    if (addr < start || addr - start >= len || len - (addr - start) < need) continue;
    // Carve [addr, addr + need) out of [start, start + len).
    free_.erase(it);
    if (addr > start) free_[start] = addr - start;
    if (addr + need < start + len) free_[addr + need] = start + len - (addr + need);
    used_[addr] = need;
    free_bytes_ -= need;
    return addr;
  }
  const auto s = stats();
  return fail(ErrorCode::kOutOfMemory,
              fmt::format("device memory exhausted: need {} ({} bytes, alignment {}), {} free in "
                          "{} blocks, largest {}; release buffers or unload models first",
                          mib(need), bytes, alignment, mib(s.free_bytes), s.free_blocks,
                          mib(s.largest_free_block)));
}

Expected<void> DeviceMemoryAllocator::release(std::uint64_t address) {
  const auto it = used_.find(address);
  if (it == used_.end()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device address 0x{:x} is not a live allocation (double release, or "
                            "made before a device reset)",
                            address));
  }
  const std::uint64_t len = it->second;
  used_.erase(it);
  insert_free(address, len);
  free_bytes_ += len;
  return {};
}

void DeviceMemoryAllocator::insert_free(std::uint64_t address, std::uint64_t size) {
  auto next = free_.lower_bound(address);
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == address) {  // merge with the block before
      address = prev->first;
      size += prev->second;
      free_.erase(prev);
    }
  }
  if (next != free_.end() && address + size == next->first) {  // merge with the block after
    size += next->second;
    free_.erase(next);
  }
  free_[address] = size;
}

std::uint64_t DeviceMemoryAllocator::size_of(std::uint64_t address) const noexcept {
  const auto it = used_.find(address);
  return it == used_.end() ? 0 : it->second;
}

DeviceMemoryStats DeviceMemoryAllocator::stats() const noexcept {
  DeviceMemoryStats s;
  s.total_bytes = size_;
  s.free_bytes = free_bytes_;
  s.free_blocks = free_.size();
  s.allocations = used_.size();
  for (const auto& [addr, len] : free_) s.largest_free_block = std::max(s.largest_free_block, len);
  s.fragmentation = free_bytes_ == 0 ? 0.0
                                     : 1.0 - static_cast<double>(s.largest_free_block) /
                                                 static_cast<double>(free_bytes_);
  return s;
}

}  // namespace npu::driver
