// The file behind LLM::save_context / load_context: which model it belongs to, the tokens of the
// context, the pending token, the device state segment and the session's checkpoints (the
// recurrent state at earlier positions, so that a loaded context rewinds to them), with a
// checksum.
//
// Layout (little-endian): ContextFileHeader, model name (name_bytes), history tokens
// (i32 x history_count), state (state_bytes), then (version 2) checkpoint_count times
// {u32 position, u32 zero, u64 bytes, the bytes}. crc32 covers everything after the header.
// Version 1 files (no checkpoints; the header's last word was reserved, zero) still load.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"

namespace npu::genai::detail {

inline constexpr char kContextMagic[8] = {'N', 'P', 'U', 'L', 'L', 'M', 'C', 'X'};
inline constexpr std::uint32_t kContextVersion = 2;
inline constexpr std::uint32_t kOldestContextVersion = 1;

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
  std::uint32_t checkpoint_count;  // version 1: reserved (0)
};
static_assert(sizeof(ContextFileHeader) == 56);

struct CheckpointRecord {
  std::uint32_t position;
  std::uint32_t zero;
  std::uint64_t bytes;
};
static_assert(sizeof(CheckpointRecord) == 16);

struct SavedCheckpoint {
  std::uint32_t position = 0;
  std::vector<std::byte> recurrent;

  bool operator==(const SavedCheckpoint&) const = default;
};

struct SavedContext {
  std::string model_name;
  std::uint64_t model_fingerprint = 0;
  std::uint32_t context_length = 0;
  std::vector<std::int32_t> history;
  std::optional<std::int32_t> pending;
  std::vector<std::byte> state;
  std::vector<SavedCheckpoint> checkpoints;  // ascending positions, each below history.size()

  bool operator==(const SavedContext&) const = default;
};

// The file's bytes.
[[nodiscard]] std::vector<std::byte> serialize_context(const SavedContext& context);
[[nodiscard]] Expected<void> write_context_file(const std::filesystem::path& path, const SavedContext& context);
// Any damage (size, magic, version, checksum, checkpoint table) is kBadFormat naming the file.
[[nodiscard]] Expected<SavedContext> read_context_file(const std::filesystem::path& path);
// The same from the file's bytes; `name` names the file in errors.
[[nodiscard]] Expected<SavedContext> parse_context_file(std::span<const std::byte> bytes, std::string_view name);

}  // namespace npu::genai::detail
