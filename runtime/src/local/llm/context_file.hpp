// The file behind LLM::save_context / load_context: which model it belongs to, the tokens of the
// context, the pending token and the device state segment, with a checksum.
//
// Layout (little-endian): ContextFileHeader, model name (name_bytes), history tokens
// (i32 x history_count), state (state_bytes). crc32 covers everything after the header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::genai::detail {

inline constexpr char kContextMagic[8] = {'N', 'P', 'U', 'L', 'L', 'M', 'C', 'X'};
inline constexpr std::uint32_t kContextVersion = 1;

struct ContextFileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint64_t model_fingerprint;
  std::uint32_t context_length;
  std::uint32_t history_count;
  std::int32_t pending_token;  // -1: none
  std::uint32_t name_bytes;
  std::uint64_t state_bytes;
  std::uint32_t crc32;
  std::uint32_t reserved;
};
static_assert(sizeof(ContextFileHeader) == 56);

struct SavedContext {
  std::string model_name;
  std::uint64_t model_fingerprint = 0;
  std::uint32_t context_length = 0;
  std::vector<std::int32_t> history;
  std::optional<std::int32_t> pending;
  std::vector<std::byte> state;
};

[[nodiscard]] Expected<void> write_context_file(const std::filesystem::path& path, const SavedContext& context);
// Any damage (size, magic, version, checksum) is kBadFormat naming the file.
[[nodiscard]] Expected<SavedContext> read_context_file(const std::filesystem::path& path);

}  // namespace npu::genai::detail
