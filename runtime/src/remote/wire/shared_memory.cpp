#include "wire/shared_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "npu/common/page.hpp"

namespace npu::npud {

namespace {
constexpr int kRequiredSeals = F_SEAL_SHRINK | F_SEAL_GROW;
}  // namespace

Expected<SharedMemory> SharedMemory::create(std::size_t bytes, const std::string& name) {
  const std::size_t size = align_up(bytes == 0 ? 1 : bytes, host_page_size());
  UniqueFd fd(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return fail(ErrorCode::kIo, fmt::format("memfd_create: {}", std::strerror(errno)));
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    return fail(ErrorCode::kOutOfMemory, fmt::format("sizing {} bytes of shared memory: {}", size, std::strerror(errno)));
  }
  // Sealed at this size: the peer that maps it can trust it not to shrink under its mapping.
  if (::fcntl(fd.get(), F_ADD_SEALS, kRequiredSeals | F_SEAL_SEAL) != 0) {
    return fail(ErrorCode::kIo, fmt::format("sealing the shared memory: {}", std::strerror(errno)));
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) return fail(ErrorCode::kOutOfMemory, fmt::format("mmap of shared memory: {}", std::strerror(errno)));
  return SharedMemory(std::move(fd), static_cast<std::byte*>(p), size);
}

Expected<SharedMemory> SharedMemory::map(UniqueFd fd, std::size_t bytes) {
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::kInvalidArgument, "the shared-memory descriptor is not valid");
  }
  if (!S_ISREG(st.st_mode) || bytes == 0 || static_cast<std::size_t>(st.st_size) < bytes) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("the shared-memory region holds {} bytes, {} are needed", st.st_size, bytes));
  }
  // A region its creator could still shrink would let it crash the mapper (SIGBUS on access).
  const int seals = ::fcntl(fd.get(), F_GET_SEALS);
  if (seals < 0 || (seals & kRequiredSeals) != kRequiredSeals) {
    return fail(ErrorCode::kPermission,
                "the shared-memory region is not sealed against resizing (memfd with F_SEAL_SHRINK "
                "and F_SEAL_GROW, as SharedMemory::create makes it)");
  }
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) return fail(ErrorCode::kIo, fmt::format("mapping shared memory: {}", std::strerror(errno)));
  return SharedMemory(std::move(fd), static_cast<std::byte*>(p), size);
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : fd_(std::move(other.fd_)), data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::move(other.fd_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SharedMemory::~SharedMemory() { release(); }

void SharedMemory::release() noexcept {
  if (data_ != nullptr) ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace npu::npud
