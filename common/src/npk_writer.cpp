#include "npu/common/npk_writer.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "npu/common/checksum.hpp"
#include "npu/common/page.hpp"

namespace npu::npk {
namespace {

template <class T>
std::span<const std::byte> as_bytes_of(const T& value) {
  return std::as_bytes(std::span<const T>(&value, 1));
}

}  // namespace

Expected<NpkWriter> NpkWriter::create(const std::filesystem::path& path,
                                      std::uint32_t abi_version) {
  NPU_TRY_ASSIGN(auto file, AtomicFileWriter::create(path));
  NpkWriter writer(std::move(file), abi_version);
  NpkHeader placeholder{};  // the real header is written by finish()
  NPU_TRY(writer.file_.write(as_bytes_of(placeholder)));
  return writer;
}

Expected<void> NpkWriter::pad_to(std::uint64_t offset) {
  static constexpr std::array<std::byte, 4096> kZeros{};
  while (file_.size() < offset) {
    std::uint64_t n = std::min<std::uint64_t>(offset - file_.size(), kZeros.size());
    NPU_TRY(file_.write(std::span(kZeros.data(), static_cast<std::size_t>(n))));
  }
  return {};
}

Expected<void> NpkWriter::begin_section(std::uint32_t type, std::string_view name,
                                        std::uint32_t flags) {
  if (finished_) return fail(ErrorCode::kInternal, "npk writer: section added after finish()");
  if (open_) {
    return fail(ErrorCode::kInternal,
                fmt::format("npk writer: section '{}' begun while '{}' is open", name, open_->name));
  }
  if (name.empty() || name.size() >= kSectionNameSize) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("npk section name '{}' must be 1..{} characters", name,
                            kSectionNameSize - 1));
  }
  for (const auto& s : sections_) {
    if (s.type == type && std::string_view(s.name) == name) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("npk section '{}' of type {} written twice", name, type));
    }
  }
  if (sections_.size() >= kMaxSections) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("more than {} npk sections", kMaxSections));
  }
  std::uint64_t offset = align_up(file_.size(), kSectionAlignment);
  NPU_TRY(pad_to(offset));
  NpkSectionEntry entry{};
  entry.type = type;
  entry.flags = flags;
  std::memcpy(entry.name, name.data(), name.size());
  entry.offset = offset;
  entry.crc32 = crc32(nullptr, 0);
  open_ = entry;
  return {};
}

Expected<void> NpkWriter::append(std::span<const std::byte> data) {
  if (!open_) return fail(ErrorCode::kInternal, "npk writer: append() with no open section");
  NPU_TRY(file_.write(data));
  open_->crc32 = crc32(data, open_->crc32);
  open_->size += data.size();
  return {};
}

Expected<void> NpkWriter::end_section() {
  if (!open_) return fail(ErrorCode::kInternal, "npk writer: end_section() with no open section");
  sections_.push_back(*open_);
  open_.reset();
  return {};
}

Expected<void> NpkWriter::add_section(SectionType type, std::string_view name,
                                      std::span<const std::byte> data, std::uint32_t flags) {
  NPU_TRY(begin_section(type, name, flags));
  NPU_TRY(append(data));
  return end_section();
}

Expected<void> NpkWriter::finish() {
  if (finished_) return fail(ErrorCode::kInternal, "npk writer: finish() called twice");
  if (open_) {
    return fail(ErrorCode::kInternal,
                fmt::format("npk writer: finish() while section '{}' is open", open_->name));
  }
  NpkHeader header{};
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.format_version = kFormatVersion;
  header.abi_version = abi_version_;
  header.header_size = sizeof(NpkHeader);
  header.section_entry_size = sizeof(NpkSectionEntry);
  header.section_count = static_cast<std::uint32_t>(sections_.size());
  header.section_table_offset = align_up(file_.size(), alignof(NpkSectionEntry));
  header.file_size = header.section_table_offset + sections_.size() * sizeof(NpkSectionEntry);
  NPU_TRY(pad_to(header.section_table_offset));
  auto table = std::as_bytes(std::span(sections_));
  NPU_TRY(file_.write(table));
  header.header_crc32 = crc32(table, crc32(as_bytes_of(header)));
  NPU_TRY(file_.write_at(0, as_bytes_of(header)));
  NPU_TRY(file_.commit());
  finished_ = true;
  return {};
}

}  // namespace npu::npk
