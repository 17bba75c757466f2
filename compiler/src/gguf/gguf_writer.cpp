#include "npu/compiler/gguf_writer.hpp"

#include <cstring>

#include <fmt/format.h>

#include "npu/common/file.hpp"
#include "npu/common/page.hpp"
#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler {
namespace {

constexpr std::uint32_t kVersion = 3;

class ByteSink {
 public:
  template <class T>
  void put(T value) {
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    out_.insert(out_.end(), p, p + sizeof(T));
  }
  void put_string(std::string_view s) {
    put<std::uint64_t>(s.size());
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    out_.insert(out_.end(), p, p + s.size());
  }
  void put_value_payload(const GgufValue& v) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            put_string(x);
          } else if constexpr (std::is_same_v<T, GgufArray>) {
            put<std::uint32_t>(static_cast<std::uint32_t>(x.element_type));
            put<std::uint64_t>(x.items.size());
            for (const GgufValue& item : x.items) put_value_payload(item);
          } else if constexpr (std::is_same_v<T, bool>) {
            put<std::uint8_t>(x ? 1 : 0);
          } else {
            put<T>(x);
          }
        },
        v.storage());
  }
  void pad_to(std::size_t alignment) { out_.resize(align_up(out_.size(), alignment)); }
  std::vector<std::byte>& bytes() { return out_; }

 private:
  std::vector<std::byte> out_;
};

// Every item of an array must have the declared element type (llama.cpp trusts it).
Expected<void> check_array(const std::string& key, const GgufValue& v) {
  const GgufArray* a = v.get_if<GgufArray>();
  if (a == nullptr) return {};
  for (const GgufValue& item : a->items) {
    if (item.type() != a->element_type) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("metadata '{}': array of {} holds a {}", key,
                              to_string(a->element_type), item.describe()));
    }
    NPU_TRY(check_array(key, item));
  }
  return {};
}

}  // namespace

Expected<GgufWriter> GgufWriter::create(std::uint32_t alignment) {
  if (!is_power_of_two(alignment)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("GGUF alignment {} is not a power of two", alignment));
  }
  GgufWriter writer(alignment);
  if (alignment != 32) writer.set("general.alignment", GgufValue(alignment));
  return writer;
}

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

Expected<void> GgufWriter::add(Tensor tensor) {
  if (tensor.shape.empty() || tensor.shape.size() > 4) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("tensor '{}': {} dimensions (must be 1..4)", tensor.name, tensor.shape.size()));
  }
  std::uint64_t elements = 1;
  for (std::uint64_t d : tensor.shape) {
    if (d == 0) return fail(ErrorCode::kInvalidArgument, fmt::format("tensor '{}' has a zero dimension", tensor.name));
    elements *= d;
  }
  auto traits = ggml_type_traits(static_cast<std::uint32_t>(tensor.type));
  if (!traits || tensor.shape[0] % traits->block_size != 0) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("tensor '{}': row length {} does not fit type {}", tensor.name,
                            tensor.shape[0], ggml_type_name(tensor.type)));
  }
  NPU_TRY_ASSIGN(tensor.size_bytes, ggml_storage_bytes(tensor.type, elements));
  for (const Tensor& t : tensors_) {
    if (t.name == tensor.name) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("tensor '{}' added twice", tensor.name));
    }
  }
  tensors_.push_back(std::move(tensor));
  return {};
}

Expected<void> GgufWriter::add_tensor(std::string name, std::vector<std::uint64_t> shape,
                                      GgmlType type, std::vector<float> values) {
  std::uint64_t elements = 1;
  for (std::uint64_t d : shape) elements *= d;
  if (values.size() != elements) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("tensor '{}': {} values for a shape of {} elements", name, values.size(), elements));
  }
  auto encoded = quantize(type, values);
  if (!encoded) return fail(encoded.error().with_context(fmt::format("tensor '{}'", name)));
  return add(Tensor{std::move(name), std::move(shape), type, 0, std::move(*encoded), {}});
}

Expected<void> GgufWriter::add_tensor_lazy(std::string name, std::vector<std::uint64_t> shape,
                                           GgmlType type, Producer produce) {
  return add(Tensor{std::move(name), std::move(shape), type, 0, {}, std::move(produce)});
}

Expected<void> GgufWriter::add_tensor_raw(std::string name, std::vector<std::uint64_t> shape,
                                          GgmlType type, std::vector<std::byte> bytes) {
  Tensor t{std::move(name), std::move(shape), type, 0, std::move(bytes), {}};
  const std::size_t given = t.bytes.size();
  const std::string tensor_name = t.name;
  NPU_TRY(add(std::move(t)));
  if (tensors_.back().size_bytes != given) {
    std::uint64_t need = tensors_.back().size_bytes;
    tensors_.pop_back();
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("tensor '{}': {} raw bytes given, its type and shape need {}",
                            tensor_name, given, need));
  }
  return {};
}

std::vector<std::byte> GgufWriter::header_bytes() const {
  ByteSink sink;
  sink.put<std::uint32_t>(kGgufMagic);
  sink.put<std::uint32_t>(kVersion);
  sink.put<std::uint64_t>(tensors_.size());
  sink.put<std::uint64_t>(metadata_.size());
  for (const auto& [key, value] : metadata_) {
    sink.put_string(key);
    sink.put<std::uint32_t>(static_cast<std::uint32_t>(value.type()));
    sink.put_value_payload(value);
  }
  std::uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    sink.put_string(t.name);
    sink.put<std::uint32_t>(static_cast<std::uint32_t>(t.shape.size()));
    for (std::uint64_t d : t.shape) sink.put<std::uint64_t>(d);
    sink.put<std::uint32_t>(static_cast<std::uint32_t>(t.type));
    sink.put<std::uint64_t>(offset);
    offset = align_up(offset + t.size_bytes, alignment_);
  }
  sink.pad_to(alignment_);
  return std::move(sink.bytes());
}

Expected<std::vector<std::byte>> GgufWriter::tensor_bytes(const Tensor& t) const {
  if (!t.produce) return t.bytes;
  NPU_TRY_ASSIGN(std::vector<float> values, t.produce());
  std::uint64_t elements = 1;
  for (std::uint64_t d : t.shape) elements *= d;
  if (values.size() != elements) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("tensor '{}': the producer returned {} values, the shape needs {}",
                            t.name, values.size(), elements));
  }
  auto encoded = quantize(t.type, values);
  if (!encoded) return fail(encoded.error().with_context(fmt::format("tensor '{}'", t.name)));
  return encoded;
}

Expected<std::vector<std::byte>> GgufWriter::to_bytes() const {
  for (const auto& [key, value] : metadata_) NPU_TRY(check_array(key, value));
  std::vector<std::byte> out = header_bytes();
  for (const Tensor& t : tensors_) {
    NPU_TRY_ASSIGN(std::vector<std::byte> data, tensor_bytes(t));
    out.insert(out.end(), data.begin(), data.end());
    out.resize(align_up(out.size(), alignment_));
  }
  return out;
}

Expected<void> GgufWriter::write(const std::filesystem::path& path) const {
  for (const auto& [key, value] : metadata_) NPU_TRY(check_array(key, value));
  NPU_TRY_ASSIGN(AtomicFileWriter file, AtomicFileWriter::create(path));
  const std::vector<std::byte> header = header_bytes();
  NPU_TRY(file.write(header));
  std::uint64_t offset = header.size();
  for (const Tensor& t : tensors_) {
    NPU_TRY_ASSIGN(std::vector<std::byte> data, tensor_bytes(t));
    NPU_TRY(file.write(data));
    offset += data.size();
    const std::uint64_t padded = align_up(offset, alignment_);
    const std::vector<std::byte> zeros(padded - offset);
    NPU_TRY(file.write(zeros));
    offset = padded;
  }
  return file.commit();
}

}  // namespace npu::compiler
