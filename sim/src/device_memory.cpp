#include "device_memory.hpp"

#include <algorithm>
#include <cstring>

namespace npu::sim {

DeviceMemory::DeviceMemory(std::uint64_t size)
    : size_(size), chunks_((size + kChunkBytes - 1) / kChunkBytes) {}

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
  const std::uint64_t off = address % kChunkBytes;
  if (off + bytes > kChunkBytes) return nullptr;
  std::byte* c = chunk(address / kChunkBytes);
  return c ? c + off : nullptr;
}

void DeviceMemory::clear() {
  for (auto& c : chunks_) c.reset();
  chunks_in_use_ = 0;
}

}  // namespace npu::sim
