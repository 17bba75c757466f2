// Sparse device memory: a flat address range whose backing is allocated lazily in fixed chunks
// (calloc'd, so untouched pages cost nothing), never up front — the hailo10h profile has 8 GiB.
// Unbacked memory reads as zero. Not thread-safe: only the control core touches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

namespace npu::sim {

class DeviceMemory {
 public:
  static constexpr std::uint64_t kChunkBytes = 16u << 20;

  explicit DeviceMemory(std::uint64_t size);

  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] bool contains(std::uint64_t address, std::uint64_t bytes) const noexcept {
    return address <= size_ && bytes <= size_ - address;
  }
  [[nodiscard]] bool read(std::uint64_t address, std::span<std::byte> out) const;
  [[nodiscard]] bool write(std::uint64_t address, std::span<const std::byte> in);
  // Direct pointer to [address, address + bytes) when it lies inside one chunk (backing it if
  // needed), else nullptr (callers then copy through read/write).
  [[nodiscard]] std::byte* contiguous(std::uint64_t address, std::uint64_t bytes);

  void clear();  // drops every chunk (device reset)
  [[nodiscard]] std::uint64_t resident_bytes() const noexcept { return chunks_in_use_ * kChunkBytes; }

 private:
  struct FreeDeleter {
    void operator()(std::byte* p) const noexcept { std::free(p); }
  };
  std::byte* chunk(std::size_t index);  // allocates on first use; nullptr if out of host memory

  std::uint64_t size_;
  std::vector<std::unique_ptr<std::byte, FreeDeleter>> chunks_;
  std::uint64_t chunks_in_use_ = 0;
};

}  // namespace npu::sim
