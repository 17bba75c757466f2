#include "local/llm/context_file.hpp"

#include <cstring>

#include <fmt/format.h>

#include "npu/common/checksum.hpp"
#include "npu/common/file.hpp"

namespace npu::genai::detail {

Expected<void> write_context_file(const std::filesystem::path& path, const SavedContext& c) {
  ContextFileHeader h{};
  std::memcpy(h.magic, kContextMagic, sizeof h.magic);
  h.version = kContextVersion;
  h.header_size = sizeof h;
  h.model_fingerprint = c.model_fingerprint;
  h.context_length = c.context_length;
  h.history_count = static_cast<std::uint32_t>(c.history.size());
  h.pending_token = c.pending.value_or(-1);
  h.name_bytes = static_cast<std::uint32_t>(c.model_name.size());
  h.state_bytes = c.state.size();
  std::vector<std::byte> body;
  body.reserve(c.model_name.size() + c.history.size() * 4 + c.state.size());
  auto append = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    body.insert(body.end(), b, b + n);
  };
  append(c.model_name.data(), c.model_name.size());
  append(c.history.data(), c.history.size() * sizeof(std::int32_t));
  append(c.state.data(), c.state.size());
  h.crc32 = crc32(body);
  std::vector<std::byte> file(sizeof h);
  std::memcpy(file.data(), &h, sizeof h);
  file.insert(file.end(), body.begin(), body.end());
  auto written = write_file_atomic(path, file);
  if (!written) return fail(written.error().with_context(fmt::format("saving the context to {}", path.string())));
  return {};
}

Expected<SavedContext> read_context_file(const std::filesystem::path& path) {
  auto bad = [&](std::string_view what) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("{} is not a usable context file: {} (save it again with save_context / /save)",
                            path.string(), what));
  };
  NPU_TRY_ASSIGN(auto file, MappedFile::open(path));
  auto bytes = file.bytes();
  ContextFileHeader h{};
  if (bytes.size() < sizeof h) return bad("it is shorter than the header");
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kContextMagic, sizeof h.magic) != 0) return bad("wrong magic");
  if (h.version != kContextVersion || h.header_size != sizeof h) {
    return bad(fmt::format("format version {} (this build reads {})", h.version, kContextVersion));
  }
  const std::uint64_t expect = std::uint64_t{h.name_bytes} + std::uint64_t{h.history_count} * 4 + h.state_bytes;
  if (bytes.size() - sizeof h != expect) {
    return bad(fmt::format("{} bytes after the header, the header announces {}", bytes.size() - sizeof h, expect));
  }
  auto body = bytes.subspan(sizeof h);
  if (crc32(body) != h.crc32) return bad("checksum mismatch (the file is damaged)");
  SavedContext c;
  c.model_fingerprint = h.model_fingerprint;
  c.context_length = h.context_length;
  c.model_name.assign(reinterpret_cast<const char*>(body.data()), h.name_bytes);
  c.history.resize(h.history_count);
  std::memcpy(c.history.data(), body.data() + h.name_bytes, std::size_t{h.history_count} * 4);
  if (h.pending_token >= 0) c.pending = h.pending_token;
  auto state = body.subspan(h.name_bytes + std::size_t{h.history_count} * 4);
  c.state.assign(state.begin(), state.end());
  return c;
}

}  // namespace npu::genai::detail
