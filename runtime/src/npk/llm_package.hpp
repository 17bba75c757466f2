// An opened LLM .npk (docs/npk-llm.md) as the LLM runtime needs it: the validated container, the
// parsed "kind": "llm" metadata (shapes, context, prefill chunk, io layout, segments, defaults),
// both subnet programs, the weights image and the raw tokenizer section. Every inconsistency a
// device run would trip over is refused here with a message naming the field.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/npk_reader.hpp"
#include "npu/genai/sampling_params.hpp"
#include "npu_abi/mailbox.hpp"

namespace npu::genai::detail {

// One tensor of the io segment ("tokens", "logits", "next_token").
struct LlmIoSlot {
  std::uint64_t offset = 0;
  std::uint32_t count = 0;  // elements (4 bytes each: i32 or f32)
  [[nodiscard]] std::uint64_t bytes() const noexcept { return std::uint64_t{count} * 4; }
};

// A byte range of the state segment.
struct StateRange {
  std::uint64_t offset = 0, bytes = 0;
};

class LlmPackage {
 public:
  [[nodiscard]] static Expected<std::shared_ptr<const LlmPackage>> open(const std::filesystem::path& path);

  std::filesystem::path path;
  std::string name;
  std::string architecture;
  bool synthetic = false;
  std::uint32_t vocab = 0;
  std::uint32_t context_length = 0;
  std::uint32_t prefill_chunk = 0;  // rows of the prefill subnet
  std::array<std::uint64_t, static_cast<std::size_t>(abi::Segment::kCount)> segment_bytes{};
  LlmIoSlot tokens, logits, next_token;
  SamplingParams defaults;  // what the metadata suggests when the caller sets no sampling field
  std::vector<std::int32_t> end_of_turn_ids;  // config.end_of_turn_token_ids (empty in older files)
  std::span<const std::byte> prefill_program, tbt_program;
  std::uint64_t prefill_sram = 0, tbt_sram = 0;  // from each program header
  std::span<const std::byte> weights;
  std::span<const std::byte> tokenizer;  // TokenizerData bytes (empty if the file has none)
  // The parts of the state segment that do not follow positions: the conv state of the
  // short-conv layers (the KV caches are positional: what lies at positions >= p is never read
  // by a run at p, so a context rewinds by position; the conv state carries the whole past).
  // From the allocation section (every state entry but the ".kv" ones); unset when the file has
  // no readable allocation section, and then only an empty context is a known rewind point.
  std::optional<std::vector<StateRange>> recurrent_state;
  std::string_view metadata;

  [[nodiscard]] std::uint64_t segment(abi::Segment s) const noexcept {
    return segment_bytes[static_cast<std::size_t>(s)];
  }
  // Identifies the model for context files: CRC-32 of metadata and weights (computed once).
  [[nodiscard]] std::uint64_t fingerprint() const;

 private:
  explicit LlmPackage(npk::NpkFile file) : file_(std::move(file)) {}
  [[nodiscard]] Expected<void> parse();
  npk::NpkFile file_;
  mutable std::once_flag fingerprint_once_;
  mutable std::uint64_t fingerprint_ = 0;
};

// True when the metadata says "kind": "llm" (so tools can tell LLM files from plain networks).
[[nodiscard]] bool is_llm_metadata(std::string_view metadata_json);

}  // namespace npu::genai::detail
