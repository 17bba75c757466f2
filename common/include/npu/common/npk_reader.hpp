// Opens a .npk file (npk_format.hpp) over a read-only memory mapping and validates all of it
// before handing out a byte: magic, format and ABI versions, sizes and offsets against the file
// size, the header/table CRC, every section's CRC, and that every required section is one this
// build knows. A malformed file gives an Error that says what is wrong and what to do; it never
// crashes. Section bytes are views into the mapping and live as long as the NpkFile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/file.hpp"
#include "npu/common/npk_format.hpp"

namespace npu::npk {

struct Section {
  std::uint32_t type = 0;
  std::uint32_t flags = 0;
  std::string name;
  std::uint64_t offset = 0;
  std::span<const std::byte> bytes;  // view into the mapping
  [[nodiscard]] bool known() const noexcept { return is_known(type); }
};

class NpkFile {
 public:
  [[nodiscard]] static Expected<NpkFile> open(const std::filesystem::path& path);
  // Validates an in-memory image (used by open(); handy for tests and fuzzing).
  [[nodiscard]] static Expected<std::vector<Section>> parse(std::span<const std::byte> image);

  NpkFile(NpkFile&&) noexcept = default;
  NpkFile& operator=(NpkFile&&) noexcept = default;
  NpkFile(const NpkFile&) = delete;
  NpkFile& operator=(const NpkFile&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return file_.path(); }
  [[nodiscard]] std::uint32_t format_version() const noexcept { return format_version_; }
  [[nodiscard]] std::uint32_t abi_version() const noexcept { return abi_version_; }
  [[nodiscard]] const std::vector<Section>& sections() const noexcept { return sections_; }

  // The first section of this type (and name, when given); nullptr if absent.
  [[nodiscard]] const Section* find(SectionType type, std::string_view name = {}) const noexcept;
  // The metadata section as text (kNotFound if the file has none).
  [[nodiscard]] Expected<std::string_view> metadata() const;

 private:
  NpkFile(MappedFile file, std::vector<Section> sections, std::uint32_t format_version,
          std::uint32_t abi_version)
      : file_(std::move(file)), sections_(std::move(sections)),
        format_version_(format_version), abi_version_(abi_version) {}

  MappedFile file_;
  std::vector<Section> sections_;
  std::uint32_t format_version_ = 0;
  std::uint32_t abi_version_ = 0;
};

}  // namespace npu::npk
