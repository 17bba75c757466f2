// The device's view of host memory (an IOMMU): host buffers registered by the hal backend get
// IOVAs, and the DMA engine reaches host memory only through them. IOVAs start above 4 GiB (so a
// driver that drops BASE_HI is caught) and are never reused; a guard page separates mappings.
// Thread-safe: the host maps/unmaps while the control core transfers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>

namespace npu::sim {

class IovaTable {
 public:
  explicit IovaTable(std::size_t page_size) : page_(page_size) {}

  [[nodiscard]] std::uint64_t map(std::byte* host, std::size_t bytes);
  void unmap(std::uint64_t iova);
  // False when any byte of the range is unmapped.
  [[nodiscard]] bool read(std::uint64_t iova, std::span<std::byte> out) const;
  [[nodiscard]] bool write(std::uint64_t iova, std::span<const std::byte> in) const;

 private:
  struct Region {
    std::byte* host;
    std::size_t bytes;
  };
  // Host pointer for [iova, iova + bytes) inside one region, else nullptr. Caller holds mutex_.
  [[nodiscard]] std::byte* resolve(std::uint64_t iova, std::size_t bytes) const;

  std::size_t page_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Region> regions_;
  std::uint64_t next_ = 1ull << 32;
};

}  // namespace npu::sim
