#include "iova_table.hpp"

#include <cstring>

#include "npu/common/page.hpp"

namespace npu::sim {

std::uint64_t IovaTable::map(std::byte* host, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  const std::uint64_t iova = next_;
  next_ += align_up(bytes == 0 ? 1 : bytes, page_) + page_;  // + guard page
  regions_[iova] = Region{host, bytes};
  return iova;
}

void IovaTable::unmap(std::uint64_t iova) {
  std::lock_guard lock(mutex_);
  regions_.erase(iova);
}

std::byte* IovaTable::resolve(std::uint64_t iova, std::size_t bytes) const {
  auto it = regions_.upper_bound(iova);
  if (it == regions_.begin()) return nullptr;
  --it;
  const std::uint64_t off = iova - it->first;
  if (off > it->second.bytes || bytes > it->second.bytes - off) return nullptr;
  return it->second.host + off;
}

bool IovaTable::read(std::uint64_t iova, std::span<std::byte> out) const {
  std::lock_guard lock(mutex_);
  std::byte* p = resolve(iova, out.size());
  if (!p) return false;
  std::memcpy(out.data(), p, out.size());
  return true;
}

bool IovaTable::write(std::uint64_t iova, std::span<const std::byte> in) const {
  std::lock_guard lock(mutex_);
  std::byte* p = resolve(iova, in.size());
  if (!p) return false;
  std::memcpy(p, in.data(), in.size());
  return true;
}

}  // namespace npu::sim
