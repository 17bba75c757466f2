// OutputParser: turns the generated token stream into typed OutputEvents, token by token.
// Feed it each token id with the text the StreamDetokenizer produced for it:
//   <think> ... </think>                   -> one kStatus "Analyzing..." on entry, then kReasoning
//                                             (only with show_reasoning); hooks fire on entry/exit
//   <|tool_call_start|> ... <|tool_call_end|> -> kToolCall (JSON), or kContent + warning when the
//                                             call is malformed (never an error)
//   end-of-generation / stop tokens        -> kEnd (end-of-generation tokens are plain text
//                                             with ignore_end_tokens)
//   anything else                          -> kContent
// Marker ids come from SpecialTokens (looked up in the vocabulary); a vocabulary without <think>
// simply has no reasoning phase.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "npu/genai/output_event.hpp"
#include "npu/genai/special_tokens.hpp"

namespace npu::genai {

struct OutputParserOptions {
  bool show_reasoning = false;
  bool start_in_reasoning = false;  // the prompt already opened <think>
  std::string status_text = "Analyzing...";
  std::vector<TokenId> stop_tokens;       // caller's extra stop tokens
  bool ignore_end_tokens = false;  // end-of-turn tokens are plain text (only stop_tokens end)
  // A plain token outside <think> and tool calls whose text is still empty (half of a UTF-8
  // character held back) gives an empty kContent, so a caller sees one event per such token.
  bool empty_content = false;
  // Leaving the reasoning phase (</think>, or the end of the stream inside it) gives a kReasoning
  // event with empty text, even when reasoning is hidden: a UI clears its "Analyzing..." there.
  bool mark_think_end = false;
  std::function<void()> on_think_start;  // e.g. switch a host "turbo mode" on
  std::function<void()> on_think_end;
};

class OutputParser {
 public:
  OutputParser(const SpecialTokens& specials, OutputParserOptions options);

  // Events caused by one generated token (often one, sometimes none or two).
  [[nodiscard]] std::vector<OutputEvent> feed(TokenId id, std::string_view text);
  // Ends the stream for a reason the token stream does not show (max tokens, abort, error):
  // flushes an unfinished tool call as content, leaves the reasoning phase, emits kEnd.
  // `tail` is the detokenizer's flush(). No-op after the stream ended.
  [[nodiscard]] std::vector<OutputEvent> finish(EndReason reason, std::string_view tail = {});

  [[nodiscard]] bool ended() const noexcept { return ended_; }
  [[nodiscard]] bool in_reasoning() const noexcept { return in_think_; }

 private:
  void text(std::string_view text, std::vector<OutputEvent>& out, bool from_token = false);
  void enter_think(std::vector<OutputEvent>& out);
  void leave_think(std::vector<OutputEvent>& out);
  void close_tool_call(std::vector<OutputEvent>& out, bool terminated);
  void end(EndReason reason, std::vector<OutputEvent>& out);
  [[nodiscard]] bool is(const std::optional<TokenId>& marker, TokenId id) const noexcept {
    return marker && *marker == id;
  }

  SpecialTokens specials_;
  std::vector<TokenId> end_ids_;
  OutputParserOptions options_;
  bool in_think_ = false;
  bool in_tool_ = false;
  bool ended_ = false;
  bool pending_status_ = false;  // start_in_reasoning: the status goes out with the first feed
  std::string tool_buffer_;
};

}  // namespace npu::genai
