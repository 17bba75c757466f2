#include "npu/common/npk_reader.hpp"

#include <cstring>

#include <fmt/format.h>

#include "npu/common/checksum.hpp"

namespace npu::npk {
namespace {

constexpr std::string_view kRecompile = "re-create it with `npu compile`";

std::unexpected<Error> bad(std::string message) {
  return fail(ErrorCode::kBadFormat, std::move(message));
}

// Validates one table entry against the image; returns the parsed section.
Expected<Section> check_entry(const NpkSectionEntry& e, std::size_t index,
                              std::span<const std::byte> image, std::uint64_t table_offset) {
  const char* end = static_cast<const char*>(std::memchr(e.name, '\0', kSectionNameSize));
  if (end == nullptr || end == e.name) {
    return bad(fmt::format("section {} has no valid name (file corrupt: {})", index, kRecompile));
  }
  std::string name(e.name, end);
  if ((e.flags & kSectionRequired) != 0 && !is_known(e.type)) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("required section '{}' has type {}, unknown to this npustack: the "
                            "model needs a newer npustack (upgrade), or recompile it for this one",
                            name, e.type));
  }
  if (e.offset % kSectionAlignment != 0 || e.offset < sizeof(NpkHeader)) {
    return bad(fmt::format("section '{}' starts at offset {}, not a multiple of {} after the "
                           "header (file corrupt: {})", name, e.offset, kSectionAlignment,
                           kRecompile));
  }
  if (e.offset > table_offset || e.size > table_offset - e.offset) {
    return bad(fmt::format("section '{}' (offset {}, {} bytes) runs past the end of the data "
                           "(truncated or corrupt file: {})", name, e.offset, e.size, kRecompile));
  }
  auto bytes = image.subspan(static_cast<std::size_t>(e.offset), static_cast<std::size_t>(e.size));
  if (crc32(bytes) != e.crc32) {
    return bad(fmt::format("section '{}' fails its CRC-32 check (file corrupt: {})", name,
                           kRecompile));
  }
  return Section{e.type, e.flags, std::move(name), e.offset, bytes};
}

}  // namespace

Expected<std::vector<Section>> NpkFile::parse(std::span<const std::byte> image) {
  if (image.size() < sizeof(NpkHeader)) {
    if (image.size() >= sizeof(kMagic) && std::memcmp(image.data(), kMagic, sizeof(kMagic)) == 0) {
      return bad(fmt::format("file is truncated ({} bytes, shorter than the .npk header): {}",
                             image.size(), kRecompile));
    }
    return bad("not an .npk file (too short for the header)");
  }
  NpkHeader h;
  std::memcpy(&h, image.data(), sizeof(h));
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0) {
    return bad("not an .npk file (bad magic): pass a model compiled by `npu compile`");
  }
  if (h.format_version > kFormatVersion) {
    return fail(ErrorCode::kVersionMismatch,
                fmt::format(".npk format version {} was compiled by a newer npustack (this one "
                            "reads up to {}): upgrade npustack or recompile the model",
                            h.format_version, kFormatVersion));
  }
  if (h.format_version == 0) return bad("npk format version 0 is invalid (file corrupt)");
  if (h.header_size != sizeof(NpkHeader) || h.section_entry_size != sizeof(NpkSectionEntry)) {
    return bad(fmt::format("npk header/entry sizes {}/{} do not match format version {} "
                           "(file corrupt: {})", h.header_size, h.section_entry_size,
                           h.format_version, kRecompile));
  }
  if (h.file_size != image.size()) {
    return bad(fmt::format("file is {} bytes but its header says {}: {} ({})", image.size(),
                           h.file_size, h.file_size > image.size() ? "truncated" : "trailing data",
                           kRecompile));
  }
  if (h.section_count > kMaxSections) {
    return bad(fmt::format("npk header claims {} sections (max {}): file corrupt",
                           h.section_count, kMaxSections));
  }
  std::uint64_t table_bytes = std::uint64_t{h.section_count} * sizeof(NpkSectionEntry);
  if (h.section_table_offset < sizeof(NpkHeader) || h.section_table_offset > image.size() ||
      table_bytes != image.size() - h.section_table_offset) {
    return bad(fmt::format("npk section table (offset {}, {} entries) does not end at the end "
                           "of the file (truncated or corrupt: {})", h.section_table_offset,
                           h.section_count, kRecompile));
  }
  auto table = image.subspan(static_cast<std::size_t>(h.section_table_offset));
  std::uint32_t stored_crc = h.header_crc32;
  h.header_crc32 = 0;
  if (crc32(table, crc32(&h, sizeof(h))) != stored_crc) {
    return bad(fmt::format("npk header/section table fail their CRC-32 check (file corrupt: {})",
                           kRecompile));
  }
  std::vector<Section> sections;
  sections.reserve(h.section_count);
  for (std::size_t i = 0; i < h.section_count; ++i) {
    NpkSectionEntry e;
    std::memcpy(&e, table.data() + i * sizeof(NpkSectionEntry), sizeof(e));
    NPU_TRY_ASSIGN(Section s, check_entry(e, i, image, h.section_table_offset));
    sections.push_back(std::move(s));
  }
  return sections;
}

Expected<NpkFile> NpkFile::open(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto file, MappedFile::open(path));
  auto sections = parse(file.bytes());
  if (!sections) return fail(sections.error().with_context(path.string()));
  NpkHeader h;
  std::memcpy(&h, file.bytes().data(), sizeof(h));
  return NpkFile(std::move(file), std::move(*sections), h.format_version, h.abi_version);
}

const Section* NpkFile::find(SectionType type, std::string_view name) const noexcept {
  for (const auto& s : sections_) {
    if (s.type == static_cast<std::uint32_t>(type) && (name.empty() || s.name == name)) return &s;
  }
  return nullptr;
}

Expected<std::string_view> NpkFile::metadata() const {
  const Section* s = find(SectionType::kMetadata);
  if (s == nullptr) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("{}: no metadata section ({})", path().string(), kRecompile));
  }
  return std::string_view(reinterpret_cast<const char*>(s->bytes.data()), s->bytes.size());
}

}  // namespace npu::npk
