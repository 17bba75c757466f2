// GGUF v3 writer: metadata of every value type, tensors quantized from float (F32, F16, BF16,
// Q8_0, Q4_0) or given as raw bytes, data aligned to general.alignment, written atomically.
// Tensor values may be produced lazily at write time, so a large model is never all in memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/compiler/gguf_types.hpp"
#include "npu/compiler/gguf_value.hpp"

namespace npu::compiler {

class GgufWriter {
 public:
  using Producer = std::function<Expected<std::vector<float>>()>;

  // alignment: a power of two; written as general.alignment (u32) when not the default 32.
  [[nodiscard]] static Expected<GgufWriter> create(std::uint32_t alignment = 32);

  // Adds or replaces a metadata entry (insertion order is kept in the file).
  void set(const std::string& key, GgufValue value);

  // shape in ggml order (shape[0] fastest). `values` must hold exactly the element count.
  [[nodiscard]] Expected<void> add_tensor(std::string name, std::vector<std::uint64_t> shape,
                                          GgmlType type, std::vector<float> values);
  // As add_tensor, but `produce` is called once, during write().
  [[nodiscard]] Expected<void> add_tensor_lazy(std::string name, std::vector<std::uint64_t> shape,
                                               GgmlType type, Producer produce);
  // Already-encoded bytes (must be exactly the size the type and shape need).
  [[nodiscard]] Expected<void> add_tensor_raw(std::string name, std::vector<std::uint64_t> shape,
                                              GgmlType type, std::vector<std::byte> bytes);

  [[nodiscard]] Expected<void> write(const std::filesystem::path& path) const;
  // The whole file in memory (small test files, fuzzing).
  [[nodiscard]] Expected<std::vector<std::byte>> to_bytes() const;

 private:
  struct Tensor {
    std::string name;
    std::vector<std::uint64_t> shape;
    GgmlType type;
    std::uint64_t size_bytes;
    std::vector<std::byte> bytes;  // encoded now, or empty when `produce` is set
    Producer produce;
  };
  explicit GgufWriter(std::uint32_t alignment) : alignment_(alignment) {}
  [[nodiscard]] Expected<void> add(Tensor tensor);
  [[nodiscard]] std::vector<std::byte> header_bytes() const;
  [[nodiscard]] Expected<std::vector<std::byte>> tensor_bytes(const Tensor& t) const;

  std::uint32_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace npu::compiler
