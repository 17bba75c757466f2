// First-fit allocator over a device address range [base, base + size). Free blocks are kept by
// address and merged with their neighbours on release; every block is a multiple of the granule.
// Not thread-safe by itself (the driver serializes calls).
#pragma once

#include <cstdint>
#include <map>

#include "npu/common/error.hpp"

namespace npu::driver {

struct DeviceMemoryStats {
  std::uint64_t total_bytes = 0;
  std::uint64_t free_bytes = 0;
  std::uint64_t largest_free_block = 0;
  std::uint64_t free_blocks = 0;
  std::uint64_t allocations = 0;  // live
  // 0 when all free memory is one block; approaching 1 as it splinters (1 - largest / free).
  double fragmentation = 0.0;
};

class DeviceMemoryAllocator {
 public:
  // `granule`: power of two; sizes and alignments are rounded up to it.
  [[nodiscard]] static Expected<DeviceMemoryAllocator> create(std::uint64_t base, std::uint64_t size,
                                                              std::uint64_t granule = 256);

  // Lowest-addressed block that fits; kOutOfMemory says how much is free and the largest block.
  [[nodiscard]] Expected<std::uint64_t> allocate(std::uint64_t bytes, std::uint64_t alignment);
  // kInvalidArgument for an address that is not a live allocation (double free, foreign address).
  [[nodiscard]] Expected<void> release(std::uint64_t address);
  // Size of the live allocation at `address` (0 if none).
  [[nodiscard]] std::uint64_t size_of(std::uint64_t address) const noexcept;
  // Forget every allocation (after a device reset wiped device memory).
  void reset() noexcept;

  [[nodiscard]] DeviceMemoryStats stats() const noexcept;

 private:
  DeviceMemoryAllocator(std::uint64_t base, std::uint64_t size, std::uint64_t granule);
  void insert_free(std::uint64_t address, std::uint64_t size);  // merges with neighbours

  std::uint64_t base_;
  std::uint64_t size_;
  std::uint64_t granule_;
  std::uint64_t free_bytes_ = 0;
  std::map<std::uint64_t, std::uint64_t> free_;   // address -> size
  std::map<std::uint64_t, std::uint64_t> used_;   // address -> size
};

}  // namespace npu::driver
