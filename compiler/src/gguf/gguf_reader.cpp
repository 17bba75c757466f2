#include "npu/compiler/gguf_reader.hpp"

#include <fmt/format.h>

#include "byte_cursor.hpp"
#include "npu/common/page.hpp"
#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler {
namespace {

constexpr std::uint32_t kMaxDims = 4;         // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;             // nested arrays deeper than this are refused

using detail::ByteCursor;

Expected<GgufValue> read_value(ByteCursor& in, std::uint32_t type_id, const std::string& key,
                               int depth);

// Smallest encoded size of one value of a type: used to refuse absurd array counts before
// allocating anything.
std::uint64_t min_encoded_size(std::uint32_t type_id) {
  switch (static_cast<GgufValueType>(type_id)) {
    case GgufValueType::kU8: case GgufValueType::kI8: case GgufValueType::kBool: return 1;
    case GgufValueType::kU16: case GgufValueType::kI16: return 2;
    case GgufValueType::kU32: case GgufValueType::kI32: case GgufValueType::kF32: return 4;
    case GgufValueType::kString: case GgufValueType::kU64: case GgufValueType::kI64:
    case GgufValueType::kF64: return 8;
    case GgufValueType::kArray: return 12;
  }
  return 1;
}

Expected<GgufValue> read_array(ByteCursor& in, const std::string& key, int depth) {
  if (depth >= kMaxArrayDepth) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("metadata '{}': arrays nested deeper than {}", key, kMaxArrayDepth));
  }
  NPU_TRY_ASSIGN(std::uint32_t elem_type, in.read<std::uint32_t>("array element type of '" + key + "'"));
  NPU_TRY_ASSIGN(std::uint64_t count, in.read<std::uint64_t>("array length of '" + key + "'"));
  if (elem_type > static_cast<std::uint32_t>(GgufValueType::kF64)) {
    return fail(ErrorCode::kBadFormat, fmt::format("metadata '{}': unknown array element type {}",
                                                   key, elem_type));
  }
  if (count > in.remaining() / min_encoded_size(elem_type)) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("metadata '{}': array claims {} elements but only {} bytes remain "
                            "(truncated or corrupted file)",
                            key, count, in.remaining()));
  }
  GgufArray array{static_cast<GgufValueType>(elem_type), {}};
  array.items.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    NPU_TRY_ASSIGN(GgufValue item, read_value(in, elem_type, key, depth + 1));
    array.items.push_back(std::move(item));
  }
  return GgufValue(std::move(array));
}

template <class T>
Expected<GgufValue> scalar(ByteCursor& in, const std::string& what) {
  NPU_TRY_ASSIGN(T value, in.read<T>(what));
  return GgufValue(value);
}

Expected<GgufValue> read_value(ByteCursor& in, std::uint32_t type_id, const std::string& key,
                               int depth) {
  const std::string what = "value of '" + key + "'";
  switch (static_cast<GgufValueType>(type_id)) {
    case GgufValueType::kU8: return scalar<std::uint8_t>(in, what);
    case GgufValueType::kI8: return scalar<std::int8_t>(in, what);
    case GgufValueType::kU16: return scalar<std::uint16_t>(in, what);
    case GgufValueType::kI16: return scalar<std::int16_t>(in, what);
    case GgufValueType::kU32: return scalar<std::uint32_t>(in, what);
    case GgufValueType::kI32: return scalar<std::int32_t>(in, what);
    case GgufValueType::kF32: return scalar<float>(in, what);
    case GgufValueType::kU64: return scalar<std::uint64_t>(in, what);
    case GgufValueType::kI64: return scalar<std::int64_t>(in, what);
    case GgufValueType::kF64: return scalar<double>(in, what);
    case GgufValueType::kBool: {
      NPU_TRY_ASSIGN(std::uint8_t b, in.read<std::uint8_t>(what));
      if (b > 1) {
        return fail(ErrorCode::kBadFormat,
                    fmt::format("metadata '{}': bool byte is {} (must be 0 or 1)", key, b));
      }
      return GgufValue(b == 1);
    }
    case GgufValueType::kString: {
      NPU_TRY_ASSIGN(std::string text, in.read_string(what));
      return GgufValue(std::move(text));
    }
    case GgufValueType::kArray: return read_array(in, key, depth);
  }
  return fail(ErrorCode::kBadFormat,
              fmt::format("metadata '{}': unknown value type {} at offset {}", key, type_id,
                          in.offset() - 4));
}

Expected<GgufTensorInfo> read_tensor_info(ByteCursor& in, std::uint64_t index) {
  GgufTensorInfo t;
  NPU_TRY_ASSIGN(t.name, in.read_string(fmt::format("name of tensor #{}", index)));
  NPU_TRY_ASSIGN(std::uint32_t n_dims, in.read<std::uint32_t>("dimension count of " + t.name));
  if (n_dims == 0 || n_dims > kMaxDims) {
    return fail(ErrorCode::kBadFormat, fmt::format("tensor '{}' has {} dimensions (must be 1..{})",
                                                   t.name, n_dims, kMaxDims));
  }
  std::uint64_t elements = 1;
  for (std::uint32_t d = 0; d < n_dims; ++d) {
    NPU_TRY_ASSIGN(std::uint64_t dim, in.read<std::uint64_t>("shape of " + t.name));
    if (dim == 0 || dim > (std::uint64_t{1} << 40) || elements > UINT64_MAX / dim) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("tensor '{}' has an impossible dimension {} (corrupted file)", t.name, dim));
    }
    elements *= dim;
    t.shape.push_back(dim);
  }
  NPU_TRY_ASSIGN(std::uint32_t type_id, in.read<std::uint32_t>("type of " + t.name));
  auto traits = ggml_type_traits(type_id);
  if (!traits) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("tensor '{}' has unknown ggml type id {}", t.name, type_id));
  }
  t.type = static_cast<GgmlType>(type_id);
  if (t.shape[0] % traits->block_size != 0) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("tensor '{}': row length {} is not a multiple of the {} block size {}",
                            t.name, t.shape[0], traits->name, traits->block_size));
  }
  NPU_TRY_ASSIGN(t.size_bytes, ggml_storage_bytes(t.type, elements));
  NPU_TRY_ASSIGN(t.offset, in.read<std::uint64_t>("data offset of " + t.name));
  return t;
}

}  // namespace

std::uint64_t GgufTensorInfo::element_count() const noexcept {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) n *= d;
  return n;
}

Expected<GgufFile> GgufFile::open(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(MappedFile mapped, MappedFile::open(path));
  GgufFile file;
  file.bytes_ = mapped.bytes();
  file.storage_ = std::move(mapped);
  file.source_ = path.string();
  auto parsed = file.parse();
  if (!parsed) return fail(parsed.error().with_context(fmt::format("GGUF '{}'", file.source_)));
  return file;
}

Expected<GgufFile> GgufFile::from_bytes(std::vector<std::byte> bytes, std::string source) {
  GgufFile file;
  file.bytes_ = std::span<const std::byte>(bytes.data(), bytes.size());
  file.storage_ = std::move(bytes);  // the heap buffer does not move
  file.source_ = std::move(source);
  auto parsed = file.parse();
  if (!parsed) return fail(parsed.error().with_context(fmt::format("GGUF '{}'", file.source_)));
  return file;
}

Expected<void> GgufFile::parse() {
  ByteCursor in(bytes_);
  NPU_TRY_ASSIGN(std::uint32_t magic, in.read<std::uint32_t>("magic"));
  if (magic != kGgufMagic) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("not a GGUF file (magic 0x{:08x}, expected 0x{:08x} \"GGUF\")", magic, kGgufMagic));
  }
  NPU_TRY_ASSIGN(version_, in.read<std::uint32_t>("version"));
  if (version_ != 2 && version_ != 3) {
    return fail(ErrorCode::kUnsupported,
                fmt::format("GGUF version {} is not supported (only 2 and 3)", version_));
  }
  NPU_TRY_ASSIGN(std::uint64_t n_tensors, in.read<std::uint64_t>("tensor count"));
  NPU_TRY_ASSIGN(std::uint64_t n_kv, in.read<std::uint64_t>("metadata count"));
  // Each metadata entry takes at least 12 bytes and each tensor info at least 28.
  if (n_kv > in.remaining() / 12 || n_tensors > in.remaining() / 28) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("header claims {} metadata entries and {} tensors, more than a {}-byte "
                            "file can hold (corrupted header)", n_kv, n_tensors, bytes_.size()));
  }
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    NPU_TRY_ASSIGN(std::string key, in.read_string(fmt::format("key of metadata entry #{}", i)));
    NPU_TRY_ASSIGN(std::uint32_t type_id, in.read<std::uint32_t>("value type of '" + key + "'"));
    NPU_TRY_ASSIGN(GgufValue value, read_value(in, type_id, key, 0));
    if (metadata_index_.contains(key)) {
      return fail(ErrorCode::kBadFormat, fmt::format("metadata key '{}' appears twice", key));
    }
    metadata_index_.emplace(key, metadata_.size());
    metadata_.emplace_back(std::move(key), std::move(value));
  }
  if (const GgufValue* a = find("general.alignment")) {
    auto value = a->get_if<std::uint32_t>();
    if (value == nullptr || !is_power_of_two(*value)) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("general.alignment must be a u32 power of two, got {}", a->describe()));
    }
    alignment_ = *value;
  }
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    NPU_TRY_ASSIGN(GgufTensorInfo info, read_tensor_info(in, i));
    if (tensor_index_.contains(info.name)) {
      return fail(ErrorCode::kBadFormat, fmt::format("tensor '{}' appears twice", info.name));
    }
    tensor_index_.emplace(info.name, tensors_.size());
    tensors_.push_back(std::move(info));
  }
  data_offset_ = align_up(in.offset(), alignment_);
  if (data_offset_ > bytes_.size() && n_tensors > 0) {
    return fail(ErrorCode::kBadFormat, "truncated: the file ends before its tensor data section");
  }
  const std::uint64_t data_size = bytes_.size() > data_offset_ ? bytes_.size() - data_offset_ : 0;
  for (const GgufTensorInfo& t : tensors_) {
    if (t.offset % alignment_ != 0) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("tensor '{}' data offset {} is not aligned to {}", t.name, t.offset, alignment_));
    }
    if (t.offset > data_size || t.size_bytes > data_size - t.offset) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("tensor '{}' ({} bytes at data offset {}) extends past the end of the "
                              "file ({} data bytes): truncated or corrupted file",
                              t.name, t.size_bytes, t.offset, data_size));
    }
  }
  return {};
}

const GgufValue* GgufFile::find(std::string_view key) const noexcept {
  auto it = metadata_index_.find(std::string(key));
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

Expected<const GgufValue*> GgufFile::get(std::string_view key) const {
  if (const GgufValue* v = find(key)) return v;
  return fail(ErrorCode::kNotFound, fmt::format("GGUF '{}' has no metadata key '{}'", source_, key));
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const noexcept {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> GgufFile::tensor_data(const GgufTensorInfo& info) const noexcept {
  return bytes_.subspan(data_offset_ + info.offset, info.size_bytes);
}

Expected<std::vector<float>> GgufFile::dequantize(std::string_view name) const {
  const GgufTensorInfo* info = find_tensor(name);
  if (info == nullptr) {
    return fail(ErrorCode::kNotFound, fmt::format("GGUF '{}' has no tensor '{}'", source_, name));
  }
  std::vector<float> out(info->element_count());
  auto done = compiler::dequantize(info->type, tensor_data(*info), out);
  if (!done) return fail(done.error().with_context(fmt::format("tensor '{}'", info->name)));
  return out;
}

}  // namespace npu::compiler
