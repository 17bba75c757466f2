// Hugging Face safetensors reader (F32, F16, BF16 tensors): u64 header length, JSON header,
// raw little-endian data. Offsets and sizes are checked against the file; shapes are kept as the
// file gives them (PyTorch order: slowest dimension first).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/file.hpp"

namespace npu::compiler {

enum class SafetensorsDtype { kF32, kF16, kBF16, kOther };

struct SafetensorsTensor {
  std::string name;
  std::string dtype_name;             // as written ("BF16", "I64", ...)
  SafetensorsDtype dtype = SafetensorsDtype::kOther;
  std::vector<std::uint64_t> shape;   // PyTorch order
  std::uint64_t begin = 0;            // byte range within the data section
  std::uint64_t end = 0;

  [[nodiscard]] std::uint64_t element_count() const noexcept;
};

class SafetensorsFile {
 public:
  [[nodiscard]] static Expected<SafetensorsFile> open(const std::filesystem::path& path);

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return file_.path(); }
  [[nodiscard]] const std::map<std::string, SafetensorsTensor, std::less<>>& tensors() const noexcept {
    return tensors_;
  }
  [[nodiscard]] const SafetensorsTensor* find(std::string_view name) const noexcept;
  [[nodiscard]] std::span<const std::byte> data(const SafetensorsTensor& t) const noexcept;
  // The tensor as float (F32, F16, BF16); other dtypes are refused by name.
  [[nodiscard]] Expected<std::vector<float>> load(std::string_view name) const;

 private:
  explicit SafetensorsFile(MappedFile file) : file_(std::move(file)) {}
  [[nodiscard]] Expected<void> parse();

  MappedFile file_;
  std::uint64_t data_start_ = 0;
  std::map<std::string, SafetensorsTensor, std::less<>> tensors_;
};

}  // namespace npu::compiler
