#include "local/llm/context_file.hpp"

#include <cstring>

#include <fmt/format.h>

#include "npu/common/checksum.hpp"
#include "npu/common/file.hpp"

namespace npu::genai::detail {

std::vector<std::byte> serialize_context(const SavedContext& c) {
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
  h.checkpoint_count = static_cast<std::uint32_t>(c.checkpoints.size());
  std::vector<std::byte> file(sizeof h);  // the header goes in last, over these bytes
  file.reserve(sizeof h + c.model_name.size() + c.history.size() * 4 + c.state.size());
  auto append = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    file.insert(file.end(), b, b + n);
  };
  append(c.model_name.data(), c.model_name.size());
  append(c.history.data(), c.history.size() * sizeof(std::int32_t));
  append(c.state.data(), c.state.size());
  for (const SavedCheckpoint& checkpoint : c.checkpoints) {
    const CheckpointRecord record{checkpoint.position, 0, checkpoint.recurrent.size()};
    append(&record, sizeof record);
    append(checkpoint.recurrent.data(), checkpoint.recurrent.size());
  }
  h.crc32 = crc32(std::span<const std::byte>(file).subspan(sizeof h));
  std::memcpy(file.data(), &h, sizeof h);
  return file;
}

Expected<void> write_context_file(const std::filesystem::path& path, const SavedContext& c) {
  auto written = write_file_atomic(path, serialize_context(c));
  if (!written) return fail(written.error().with_context(fmt::format("saving the context to {}", path.string())));
  return {};
}

Expected<SavedContext> read_context_file(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto file, MappedFile::open(path));
  return parse_context_file(file.bytes(), path.string());
}

Expected<SavedContext> parse_context_file(std::span<const std::byte> bytes, std::string_view name) {
  auto bad = [&](std::string_view what) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("{} is not a usable context file: {} (save it again with save_context / /save)", name,
                            what));
  };
  ContextFileHeader h{};
  if (bytes.size() < sizeof h) return bad("it is shorter than the header");
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kContextMagic, sizeof h.magic) != 0) return bad("wrong magic");
  if (h.version < kOldestContextVersion || h.version > kContextVersion || h.header_size != sizeof h) {
    return bad(fmt::format("format version {} (this build reads {} to {})", h.version, kOldestContextVersion,
                           kContextVersion));
  }
  if (h.version == 1) h.checkpoint_count = 0;  // a reserved word then
  const std::uint64_t fixed = std::uint64_t{h.name_bytes} + std::uint64_t{h.history_count} * 4 + h.state_bytes;
  const std::uint64_t after_header = bytes.size() - sizeof h;
  if (h.state_bytes > after_header || after_header < fixed || (h.checkpoint_count == 0 && after_header != fixed)) {
    return bad(fmt::format("{} bytes after the header, the header announces {}", after_header, fixed));
  }
  auto body = bytes.subspan(sizeof h);
  if (crc32(body) != h.crc32) return bad("checksum mismatch (the file is damaged)");
  SavedContext c;
  c.model_fingerprint = h.model_fingerprint;
  c.context_length = h.context_length;
  c.model_name.assign(reinterpret_cast<const char*>(body.data()), h.name_bytes);
  c.history.resize(h.history_count);
  if (h.history_count != 0) {  // an empty vector's data() may be null, which memcpy must not get
    std::memcpy(c.history.data(), body.data() + h.name_bytes, std::size_t{h.history_count} * 4);
  }
  if (h.pending_token >= 0) c.pending = h.pending_token;
  auto state = body.subspan(h.name_bytes + std::size_t{h.history_count} * 4, h.state_bytes);
  c.state.assign(state.begin(), state.end());
  auto rest = body.subspan(static_cast<std::size_t>(fixed));
  for (std::uint32_t i = 0; i < h.checkpoint_count; ++i) {
    CheckpointRecord record{};
    if (rest.size() < sizeof record) {
      return bad(fmt::format("checkpoint {} of {} is cut off", i + 1, h.checkpoint_count));
    }
    std::memcpy(&record, rest.data(), sizeof record);
    rest = rest.subspan(sizeof record);
    const std::uint32_t previous = c.checkpoints.empty() ? 0 : c.checkpoints.back().position;
    if (record.position <= previous || record.position >= h.history_count || record.zero != 0) {
      return bad(fmt::format("checkpoint {} is at position {}; checkpoints lie in ascending order inside the "
                             "{} tokens of the context", i + 1, record.position, h.history_count));
    }
    if (record.bytes > rest.size()) {
      return bad(fmt::format("checkpoint {} announces {} bytes, {} are left", i + 1, record.bytes, rest.size()));
    }
    auto data = rest.subspan(0, static_cast<std::size_t>(record.bytes));
    c.checkpoints.push_back(SavedCheckpoint{record.position, std::vector<std::byte>(data.begin(), data.end())});
    rest = rest.subspan(data.size());
  }
  if (!rest.empty()) return bad(fmt::format("{} bytes follow the last checkpoint", rest.size()));
  return c;
}

}  // namespace npu::genai::detail
