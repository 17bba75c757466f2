// TextEventMapper: the text a HailoRT LLM completion streams (one read per token, special tokens
// included as their text) -> npustack's typed generation events. HailoRT keeps token ids on the
// device, so markers are found in the text: <think> / </think> and the tool-call brackets of LFM2
// (<|tool_call_start|> ... <|tool_call_end|>) and of Qwen / Hermes models (<tool_call> ...
// </tool_call>) go through genai::OutputParser (the "Analyzing..." status, think hooks, reasoning,
// tool calls parsed by genai::ToolCallParser). A marker split across reads is recognised: text
// that may be the start of one is held back until the next read decides.
// What HailoRT appends that the model did not write for the caller is dropped: the end-of-turn
// sequence that ended a generation (a logical end), and the recovery sequence HailoRT injects
// after max tokens or an abort. Nothing here includes HailoRT: it is tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npu/genai/llm.hpp"
#include "npu/genai/output_parser.hpp"

namespace npu::hailort_backend {

struct TextEventOptions {
  bool show_reasoning = false;
  bool start_in_reasoning = false;  // the prompt already opened <think>
  genai::LLMHooks hooks;
  // The caller's stop strings: generation ends once the content holds one (the text up to and
  // including it is delivered, as on the other backends).
  std::vector<std::string> stop_strings;
  // The model's end-of-turn sequences (HailoRT's stop tokens): dropped when one ends the text.
  std::vector<std::string> end_of_turn;
  // HailoRT's generation recovery sequence: dropped from the end after max tokens or an abort.
  std::string recovery_sequence;
};

class TextEventMapper {
 public:
  explicit TextEventMapper(TextEventOptions options);

  // One read's text while the generation goes on. Events in order, never kEnd; `index` is the
  // 0-based read that released them.
  [[nodiscard]] std::vector<genai::GenerationOutput> feed(std::string_view text);

  // The end: `text` is the last read's (may be empty), `status` why it ended (kLogicalEnd: an
  // end-of-turn sequence or stop string; kMaxTokensReached / kAborted: HailoRT appended its
  // recovery sequence; kFailed: nothing is dropped). Flushes held text, closes reasoning and an
  // unfinished tool call, and ends with one kEnd carrying `status`.
  [[nodiscard]] std::vector<genai::GenerationOutput> finish(std::string_view text, genai::GenerationStatus status);

  // A caller's stop string appeared in the content: the caller should end the generation; later
  // text is ignored.
  [[nodiscard]] bool stop_string_seen() const noexcept { return stop_seen_; }
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  // Reads fed so far (the last read given to finish() included).
  [[nodiscard]] std::uint32_t reads() const noexcept { return reads_; }

 private:
  struct Marker {
    std::string text;
    genai::TokenId id;
  };
  // Runs the complete markers in `pending_` through the parser; keeps back a tail that may begin
  // a marker or an end sequence (all of it when `final`).
  void drain(bool final, std::vector<genai::GenerationOutput>& out);
  void parse(genai::TokenId id, std::string_view piece, std::vector<genai::GenerationOutput>& out);
  void emit(std::vector<genai::OutputEvent> events, std::vector<genai::GenerationOutput>& out);
  [[nodiscard]] std::size_t held_tail() const;

  TextEventOptions options_;
  std::vector<Marker> markers_;
  std::vector<std::string> end_sequences_;  // end_of_turn + recovery_sequence
  std::optional<genai::OutputParser> parser_;
  std::string pending_;
  std::string tail_;  // recent content, for stop strings
  std::size_t longest_stop_ = 0;
  std::uint32_t reads_ = 0;
  bool stop_seen_ = false;
  bool ended_ = false;
};

// Whether text fed to a model leaves it inside an unclosed <think> (the generation then starts in
// its reasoning phase): the last <think> comes after the last </think>.
[[nodiscard]] bool opens_think(std::string_view prompt) noexcept;
// Whether a chat template's generation prompt opens <think> without closing it (as reasoning
// models' templates do): after its last `add_generation_prompt`, a <think> with no </think>.
[[nodiscard]] bool template_opens_think(std::string_view prompt_template) noexcept;

}  // namespace npu::hailort_backend
