// A shared-memory region for tensors (memfd): the client creates it, passes the descriptor to
// npud, and both map it. Sizes are rounded up to the host page size (queried, never assumed).
// Only the two processes holding the descriptor reach it (a memfd has no name in any file
// system), and it is sealed against resizing: npud refuses a region that is not, since a client
// could otherwise shrink it under the daemon's mapping and crash the daemon for everyone.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "npu/common/error.hpp"
#include "npu/common/unique_fd.hpp"

namespace npu::npud {

class SharedMemory {
 public:
  // A new region of at least `bytes` (page-rounded), zero-filled.
  [[nodiscard]] static Expected<SharedMemory> create(std::size_t bytes, const std::string& name);
  // Maps a region received from a peer; kInvalidArgument if it is smaller than `bytes`.
  [[nodiscard]] static Expected<SharedMemory> map(UniqueFd fd, std::size_t bytes);

  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory();

  [[nodiscard]] std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

 private:
  SharedMemory(UniqueFd fd, std::byte* data, std::size_t size) : fd_(std::move(fd)), data_(data), size_(size) {}
  void release() noexcept;

  UniqueFd fd_;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace npu::npud
