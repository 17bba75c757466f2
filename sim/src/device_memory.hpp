// Sparse device memory: a flat address range whose backing is allocated lazily, never up front —
// the hailo10h profile has 8 GiB. Normally one anonymous MAP_NORESERVE reservation of the whole
// range (pages are backed by the OS on first touch), so every range is directly addressable and
// kernels work on views into DDR instead of copies. Where the host refuses such a reservation it
// falls back to calloc'd chunks of kChunkBytes (a range then is direct only inside one chunk).
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
  static constexpr std::uint64_t kChunkBytes = 16u << 20;  // accounting (and fallback) granule

  explicit DeviceMemory(std::uint64_t size);
  ~DeviceMemory();
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] bool contains(std::uint64_t address, std::uint64_t bytes) const noexcept {
    return address <= size_ && bytes <= size_ - address;
  }
  [[nodiscard]] bool read(std::uint64_t address, std::span<std::byte> out) const;
  [[nodiscard]] bool write(std::uint64_t address, std::span<const std::byte> in);
  // Direct pointer to [address, address + bytes) (backing it if needed), or nullptr when the
  // range is outside the memory or, in the chunked fallback, spans two chunks (callers then copy
  // through read/write).
  [[nodiscard]] std::byte* contiguous(std::uint64_t address, std::uint64_t bytes);
  // True when every in-range address is directly addressable (the single reservation).
  [[nodiscard]] bool flat() const noexcept { return base_ != nullptr; }

  void clear();  // drops every chunk (device reset)
  // Bytes of the granules touched by writes or direct access since the last clear().
  [[nodiscard]] std::uint64_t resident_bytes() const noexcept { return chunks_in_use_ * kChunkBytes; }

 private:
  struct FreeDeleter {
    void operator()(std::byte* p) const noexcept { std::free(p); }
  };
  std::byte* chunk(std::size_t index);  // backs a granule; nullptr if out of host memory
  void touch(std::uint64_t address, std::uint64_t bytes);  // flat mode: marks granules in use

  std::uint64_t size_;
  std::byte* base_ = nullptr;  // the reservation, or nullptr in chunked mode
  std::vector<std::unique_ptr<std::byte, FreeDeleter>> chunks_;  // chunked mode
  std::vector<bool> touched_;                                    // flat mode, per granule
  std::uint64_t chunks_in_use_ = 0;
};

}  // namespace npu::sim
