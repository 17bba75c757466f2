#include "npu/common/file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace npu {
namespace {

Error os_error(std::string_view what, const std::filesystem::path& path) {
  int err = errno;
  ErrorCode code = err == ENOENT ? ErrorCode::kNotFound
                   : (err == EACCES || err == EPERM) ? ErrorCode::kPermission
                                                     : ErrorCode::kIo;
  return Error(code, fmt::format("{} '{}': {}", what, path.string(), std::strerror(err)));
}

Expected<void> write_all(int fd, const std::byte* data, std::size_t size, off_t offset,
                         const std::filesystem::path& path) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(os_error("cannot write", path));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
  return {};
}

}  // namespace

Expected<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(os_error("cannot open", path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Error e = os_error("cannot stat", path);
    ::close(fd);
    return fail(e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a regular file", path.string()));
  }
  std::size_t size = static_cast<std::size_t>(st.st_size);
  const std::byte* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      Error e = os_error("cannot map", path);
      ::close(fd);
      return fail(e);
    }
    data = static_cast<const std::byte*>(p);
  }
  ::close(fd);  // the mapping keeps the file alive
  return MappedFile(path, data, size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

Expected<AtomicFileWriter> AtomicFileWriter::create(const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp.{}", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(os_error("cannot create", tmp));
  return AtomicFileWriter(path, tmp, fd);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)), tmp_(std::move(other.tmp_)), fd_(other.fd_),
      written_(other.written_) {
  other.fd_ = -1;
  other.tmp_.clear();
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

Expected<void> AtomicFileWriter::write(std::span<const std::byte> data) {
  NPU_TRY(write_at(written_, data));
  return {};
}

Expected<void> AtomicFileWriter::write_at(std::uint64_t offset, std::span<const std::byte> data) {
  if (fd_ < 0) return fail(ErrorCode::kInternal, "write to a committed or moved-from file writer");
  NPU_TRY(write_all(fd_, data.data(), data.size(), static_cast<off_t>(offset), tmp_));
  if (offset + data.size() > written_) written_ = offset + data.size();
  return {};
}

Expected<void> AtomicFileWriter::commit() {
  if (fd_ < 0) return fail(ErrorCode::kInternal, "commit of a committed or moved-from file writer");
  if (::fsync(fd_) != 0) return fail(os_error("cannot flush", tmp_));
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return fail(os_error("cannot rename into", path_));
  tmp_.clear();
  return {};
}

Expected<void> write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> data) {
  NPU_TRY_ASSIGN(auto writer, AtomicFileWriter::create(path));
  NPU_TRY(writer.write(data));
  return writer.commit();
}

Expected<void> write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  return write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

Expected<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(os_error("cannot open", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(os_error("cannot read", path));
  return ss.str();
}

}  // namespace npu
