#include "npu/compiler/safetensors_reader.hpp"

#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/compiler/gguf_quant.hpp"

namespace npu::compiler {
namespace {

constexpr std::uint64_t kMaxHeader = 100u << 20;  // the format caps its JSON header at 100 MB

SafetensorsDtype parse_dtype(std::string_view name) {
  if (name == "F32") return SafetensorsDtype::kF32;
  if (name == "F16") return SafetensorsDtype::kF16;
  if (name == "BF16") return SafetensorsDtype::kBF16;
  return SafetensorsDtype::kOther;
}

std::uint64_t dtype_bytes(SafetensorsDtype d) { return d == SafetensorsDtype::kF32 ? 4 : 2; }

}  // namespace

std::uint64_t SafetensorsTensor::element_count() const noexcept {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) n *= d;
  return n;
}

Expected<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(MappedFile mapped, MappedFile::open(path));
  SafetensorsFile file(std::move(mapped));
  auto parsed = file.parse();
  if (!parsed) return fail(parsed.error().with_context(fmt::format("safetensors '{}'", path.string())));
  return file;
}

Expected<void> SafetensorsFile::parse() {
  const auto bytes = file_.bytes();
  if (bytes.size() < 8) return fail(ErrorCode::kBadFormat, "file is shorter than the 8-byte header length");
  std::uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len > kMaxHeader || header_len > bytes.size() - 8) {
    return fail(ErrorCode::kBadFormat, fmt::format("header length {} exceeds the file ({} bytes): truncated or not safetensors",
                                                   header_len, bytes.size()));
  }
  data_start_ = 8 + header_len;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), header_len);
  nlohmann::json header = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    return fail(ErrorCode::kBadFormat, "header is not a JSON object");
  }
  const std::uint64_t data_size = bytes.size() - data_start_;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    auto bad = [&](std::string_view what) {
      return fail(ErrorCode::kBadFormat, fmt::format("tensor '{}': {}", name, what));
    };
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2) {
      return bad("entry needs \"dtype\", \"shape\" and two \"data_offsets\"");
    }
    SafetensorsTensor t;
    t.name = name;
    t.dtype_name = entry["dtype"].get<std::string>();
    t.dtype = parse_dtype(t.dtype_name);
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (std::uint64_t{1} << 40)) return bad("shape entries must be sizes");
      t.shape.push_back(d.get<std::uint64_t>());
    }
    const auto& off = entry["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) return bad("data_offsets must be integers");
    t.begin = off[0].get<std::uint64_t>();
    t.end = off[1].get<std::uint64_t>();
    if (t.begin > t.end || t.end > data_size) {
      return bad(fmt::format("data range [{}, {}) lies outside the {} data bytes (truncated file?)", t.begin, t.end, data_size));
    }
    if (t.dtype != SafetensorsDtype::kOther && t.end - t.begin != t.element_count() * dtype_bytes(t.dtype)) {
      return bad(fmt::format("{} bytes do not hold {} {} values", t.end - t.begin, t.element_count(), t.dtype_name));
    }
    tensors_.emplace(name, std::move(t));
  }
  return {};
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const noexcept {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::span<const std::byte> SafetensorsFile::data(const SafetensorsTensor& t) const noexcept {
  return file_.bytes().subspan(data_start_ + t.begin, t.end - t.begin);
}

Expected<std::vector<float>> SafetensorsFile::load(std::string_view name) const {
  const SafetensorsTensor* t = find(name);
  if (t == nullptr) {
    return fail(ErrorCode::kNotFound, fmt::format("safetensors '{}' has no tensor '{}'", path().string(), name));
  }
  GgmlType type;
  switch (t->dtype) {
    case SafetensorsDtype::kF32: type = GgmlType::kF32; break;
    case SafetensorsDtype::kF16: type = GgmlType::kF16; break;
    case SafetensorsDtype::kBF16: type = GgmlType::kBF16; break;
    default:
      return fail(ErrorCode::kUnsupported,
                  fmt::format("safetensors '{}': tensor '{}' has dtype {} (supported: F32, F16, BF16)",
                              path().string(), name, t->dtype_name));
  }
  std::vector<float> out(t->element_count());
  NPU_TRY(dequantize(type, data(*t), out));
  return out;
}

}  // namespace npu::compiler
