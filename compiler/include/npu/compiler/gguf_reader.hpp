// GGUF (version 2 and 3) reader over a memory-mapped file: header, metadata, tensor infos, data.
// Every length, count and offset is checked against the file, so a truncated or corrupted file
// gives an error that names what is wrong, never a crash or a huge allocation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/file.hpp"
#include "npu/compiler/gguf_types.hpp"
#include "npu/compiler/gguf_value.hpp"

namespace npu::compiler {

struct GgufTensorInfo {
  std::string name;
  std::vector<std::uint64_t> shape;  // ggml order: shape[0] is the fastest-varying dimension
  GgmlType type = GgmlType::kF32;
  std::uint64_t offset = 0;          // relative to the start of the data section
  std::uint64_t size_bytes = 0;

  [[nodiscard]] std::uint64_t element_count() const noexcept;
};

class GgufFile {
 public:
  static constexpr std::uint32_t kDefaultAlignment = 32;

  [[nodiscard]] static Expected<GgufFile> open(const std::filesystem::path& path);
  // Parses an in-memory image (tests, fuzzing); `source` names it in error messages.
  [[nodiscard]] static Expected<GgufFile> from_bytes(std::vector<std::byte> bytes,
                                                     std::string source = "<memory>");

  [[nodiscard]] std::uint32_t version() const noexcept { return version_; }
  [[nodiscard]] std::uint32_t alignment() const noexcept { return alignment_; }
  [[nodiscard]] std::uint64_t data_offset() const noexcept { return data_offset_; }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

  [[nodiscard]] const std::vector<std::pair<std::string, GgufValue>>& metadata() const noexcept {
    return metadata_;
  }
  [[nodiscard]] const GgufValue* find(std::string_view key) const noexcept;
  // The value of `key`, or a kNotFound error naming the key and the file.
  [[nodiscard]] Expected<const GgufValue*> get(std::string_view key) const;

  [[nodiscard]] const std::vector<GgufTensorInfo>& tensors() const noexcept { return tensors_; }
  [[nodiscard]] const GgufTensorInfo* find_tensor(std::string_view name) const noexcept;

  // Raw bytes of a tensor (already bounds-checked when the file was opened).
  [[nodiscard]] std::span<const std::byte> tensor_data(const GgufTensorInfo& info) const noexcept;
  // The tensor as float, whatever its storage type; errors name the tensor and its type.
  [[nodiscard]] Expected<std::vector<float>> dequantize(std::string_view name) const;

 private:
  GgufFile() = default;
  [[nodiscard]] Expected<void> parse();

  std::variant<std::monostate, MappedFile, std::vector<std::byte>> storage_;
  std::span<const std::byte> bytes_;
  std::string source_;
  std::uint32_t version_ = 0;
  std::uint32_t alignment_ = kDefaultAlignment;
  std::uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::unordered_map<std::string, std::size_t> metadata_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string, std::size_t> tensor_index_;
};

}  // namespace npu::compiler
