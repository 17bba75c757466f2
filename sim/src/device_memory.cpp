#include "device_memory.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

namespace npu::sim {

DeviceMemory::DeviceMemory(std::uint64_t size) : size_(size) {
  const std::uint64_t granules = (size + kChunkBytes - 1) / kChunkBytes;
  if (size > 0 && size <= SIZE_MAX) {
    void* p = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      // The functional kernels stream the weights every token: huge pages spare them most TLB
      // misses (int8 head +30%, bench_linear_int NPU_BENCH_HUGEPAGES=1). Advice only.
      ::madvise(p, static_cast<std::size_t>(size), MADV_HUGEPAGE);
      base_ = static_cast<std::byte*>(p);
      touched_.assign(granules, false);
      return;
    }
  }
  chunks_.resize(granules);
}

DeviceMemory::~DeviceMemory() {
  if (base_) ::munmap(base_, static_cast<std::size_t>(size_));
}

void DeviceMemory::touch(std::uint64_t address, std::uint64_t bytes) {
  if (bytes == 0) return;
  for (std::uint64_t g = address / kChunkBytes, last = (address + bytes - 1) / kChunkBytes; g <= last; ++g)
    if (!touched_[g]) touched_[g] = true, ++chunks_in_use_;
}

std::byte* DeviceMemory::chunk(std::size_t index) {
  auto& c = chunks_[index];
  if (!c) {
    c.reset(static_cast<std::byte*>(std::calloc(kChunkBytes, 1)));
    if (c) ++chunks_in_use_;
  }
  return c.get();
}

bool DeviceMemory::read(std::uint64_t address, std::span<std::byte> out) const {
  if (!contains(address, out.size())) return false;
  if (base_) {
    if (!out.empty()) std::memcpy(out.data(), base_ + address, out.size());
    return true;
  }
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t a = address + done, off = a % kChunkBytes;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes - off, out.size() - done));
    const auto& c = chunks_[a / kChunkBytes];
    if (c) std::memcpy(out.data() + done, c.get() + off, n);
    else std::memset(out.data() + done, 0, n);
    done += n;
  }
  return true;
}

bool DeviceMemory::write(std::uint64_t address, std::span<const std::byte> in) {
  if (!contains(address, in.size())) return false;
  if (base_) {
    touch(address, in.size());
    if (!in.empty()) std::memcpy(base_ + address, in.data(), in.size());
    return true;
  }
  std::size_t done = 0;
  while (done < in.size()) {
    const std::uint64_t a = address + done, off = a % kChunkBytes;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes - off, in.size() - done));
    std::byte* c = chunk(a / kChunkBytes);
    if (!c) return false;
    std::memcpy(c + off, in.data() + done, n);
    done += n;
  }
  return true;
}

std::byte* DeviceMemory::contiguous(std::uint64_t address, std::uint64_t bytes) {
  if (!contains(address, bytes) || bytes == 0) return nullptr;
  if (base_) {
    touch(address, bytes);
    return base_ + address;
  }
  const std::uint64_t off = address % kChunkBytes;
  if (off + bytes > kChunkBytes) return nullptr;
  std::byte* c = chunk(address / kChunkBytes);
  return c ? c + off : nullptr;
}

void DeviceMemory::clear() {
  if (base_) {
    // Returns the pages to the OS; private anonymous pages read as zero afterwards.
    ::madvise(base_, static_cast<std::size_t>(size_), MADV_DONTNEED);
    std::fill(touched_.begin(), touched_.end(), false);
  }
  for (auto& c : chunks_) c.reset();
  chunks_in_use_ = 0;
}

}  // namespace npu::sim
