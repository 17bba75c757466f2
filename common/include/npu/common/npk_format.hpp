// The .npk container's on-disk layout (all little-endian). One self-contained, versioned,
// mmap-able file holding a compiled model:
//
//   [NpkHeader][section 0][pad][section 1][pad]...[section table: NpkSectionEntry x count]
//
// Every section starts on a kNpkSectionAlignment boundary so that it can be mmapped directly on
// 4 KiB and 16 KiB page kernels. The header CRC covers the header (with header_crc32 = 0) followed
// by the section table; each section carries its own CRC. A reader refuses a file whose format
// version is newer than it knows, and any section it does not know that is flagged "required";
// unknown optional sections are skipped, so older readers can open files with extra extras.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace npu::npk {

inline constexpr char kMagic[8] = {'N', 'P', 'U', 'S', 'N', 'P', 'K', '\0'};
// Format history: 1 = first version. Bump when the layout or a section's meaning changes.
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::uint64_t kSectionAlignment = 16384;  // >= 4 KiB and 16 KiB pages
inline constexpr std::size_t kSectionNameSize = 32;        // NUL-padded; at most 31 characters
inline constexpr std::uint32_t kMaxSections = 4096;

enum class SectionType : std::uint32_t {
  kMetadata = 1,        // UTF-8 JSON: model description (shapes, streams, segments, subnets)
  kProgram = 2,         // one context program (npu_abi/program.hpp) per subnet, named by subnet
  kWeights = 3,         // the weights segment image, shared by all subnets
  kTokenizer = 4,       // reserved for LLMs
  kCalibration = 5,     // reserved: calibration statistics
  kAllocationPlan = 6,  // reserved: SRAM/DDR placement
};
[[nodiscard]] std::string_view to_string(SectionType type) noexcept;
[[nodiscard]] bool is_known(std::uint32_t type) noexcept;

enum SectionFlags : std::uint32_t {
  kSectionRequired = 1u << 0,  // a reader that does not know the type must refuse the file
};

struct NpkHeader {
  char magic[8];                    // kMagic
  std::uint32_t format_version;     // kFormatVersion of the writer
  std::uint32_t abi_version;        // npu::abi::kAbiVersion the programs were compiled for
  std::uint32_t header_size;        // sizeof(NpkHeader)
  std::uint32_t section_entry_size; // sizeof(NpkSectionEntry)
  std::uint32_t section_count;
  std::uint32_t flags;              // 0 (reserved)
  std::uint64_t section_table_offset;
  std::uint64_t file_size;          // total bytes; a shorter file is truncated
  std::uint32_t header_crc32;       // CRC-32 of header (this field 0) + section table
  std::uint32_t reserved0;          // 0
  std::uint8_t reserved[8];         // 0
};
static_assert(sizeof(NpkHeader) == 64);

struct NpkSectionEntry {
  std::uint32_t type;               // SectionType (unknown values allowed unless required)
  std::uint32_t flags;              // SectionFlags
  char name[kSectionNameSize];      // e.g. "metadata", "main", "prefill", "tbt", "weights"
  std::uint64_t offset;             // from the file start; multiple of kSectionAlignment
  std::uint64_t size;               // bytes
  std::uint32_t crc32;              // CRC-32 of the section's bytes
  std::uint32_t reserved0;          // 0
  std::uint8_t reserved[32];        // 0
};
static_assert(sizeof(NpkSectionEntry) == 96);

}  // namespace npu::npk
