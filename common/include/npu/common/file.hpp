// Files: a read-only memory mapping (RAII) and an atomic whole-file write (temp file + rename),
// so that nothing is ever left half-written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "npu/common/error.hpp"

namespace npu {

class MappedFile {
 public:
  [[nodiscard]] static Expected<MappedFile> open(const std::filesystem::path& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  MappedFile(std::filesystem::path path, const std::byte* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  void release() noexcept;

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// Writes `data` to `path` through a temporary file in the same directory, fsync, then rename:
// readers see either the old file or the complete new one.
[[nodiscard]] Expected<void> write_file_atomic(const std::filesystem::path& path,
                                               std::span<const std::byte> data);
[[nodiscard]] Expected<void> write_file_atomic(const std::filesystem::path& path,
                                               std::string_view text);

// Streams a large file into place: writes go to "<path>.tmp.<pid>", commit() fsyncs and renames;
// destroying an uncommitted writer removes the temporary file.
class AtomicFileWriter {
 public:
  [[nodiscard]] static Expected<AtomicFileWriter> create(const std::filesystem::path& path);

  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  [[nodiscard]] Expected<void> write(std::span<const std::byte> data);
  [[nodiscard]] Expected<void> write_at(std::uint64_t offset, std::span<const std::byte> data);
  [[nodiscard]] std::uint64_t size() const noexcept { return written_; }
  [[nodiscard]] Expected<void> commit();

 private:
  AtomicFileWriter(std::filesystem::path path, std::filesystem::path tmp, int fd)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}

  std::filesystem::path path_;
  std::filesystem::path tmp_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
};

// Reads a whole (small) file, e.g. JSON.
[[nodiscard]] Expected<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace npu
