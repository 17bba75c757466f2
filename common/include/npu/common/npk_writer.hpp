// Streams a .npk file to disk (npk_format.hpp): sections are written one after another, in chunks,
// without holding the whole file in memory (LLM weights run to gigabytes). The file appears at its
// path only on finish() (AtomicFileWriter: temp file + rename), so readers never see half a model.
//
//   NPU_TRY_ASSIGN(auto w, npk::NpkWriter::create(path, abi::kAbiVersion));
//   NPU_TRY(w.add_section(npk::SectionType::kMetadata, "metadata", json_bytes));
//   NPU_TRY(w.begin_section(npk::SectionType::kWeights, "weights"));
//   for (...) NPU_TRY(w.append(chunk));
//   NPU_TRY(w.end_section());
//   NPU_TRY(w.finish());
#pragma once

#include <cstddef>
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

class NpkWriter {
 public:
  // abi_version: npu::abi::kAbiVersion of the programs inside (npu_common sits below the ABI
  // headers, so the compiler passes it in).
  [[nodiscard]] static Expected<NpkWriter> create(const std::filesystem::path& path,
                                                  std::uint32_t abi_version);

  NpkWriter(NpkWriter&&) noexcept = default;
  NpkWriter& operator=(NpkWriter&&) = delete;
  NpkWriter(const NpkWriter&) = delete;
  NpkWriter& operator=(const NpkWriter&) = delete;
  ~NpkWriter() = default;  // an unfinished writer leaves no file behind

  // Opens a section; its bytes follow through append(). Names are unique, 1..31 characters.
  [[nodiscard]] Expected<void> begin_section(std::uint32_t type, std::string_view name,
                                             std::uint32_t flags = kSectionRequired);
  [[nodiscard]] Expected<void> begin_section(SectionType type, std::string_view name,
                                             std::uint32_t flags = kSectionRequired) {
    return begin_section(static_cast<std::uint32_t>(type), name, flags);
  }
  [[nodiscard]] Expected<void> append(std::span<const std::byte> data);
  [[nodiscard]] Expected<void> end_section();

  // begin + append + end in one call.
  [[nodiscard]] Expected<void> add_section(SectionType type, std::string_view name,
                                           std::span<const std::byte> data,
                                           std::uint32_t flags = kSectionRequired);

  // Writes the section table and header, then moves the file into place.
  [[nodiscard]] Expected<void> finish();

 private:
  NpkWriter(AtomicFileWriter file, std::uint32_t abi_version)
      : file_(std::move(file)), abi_version_(abi_version) {}
  [[nodiscard]] Expected<void> pad_to(std::uint64_t offset);

  AtomicFileWriter file_;
  std::uint32_t abi_version_ = 0;
  std::vector<NpkSectionEntry> sections_;
  std::optional<NpkSectionEntry> open_;  // the section being written
  bool finished_ = false;
};

}  // namespace npu::npk
