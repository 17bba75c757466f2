#include "npu/genai/output_parser.hpp"

#include <algorithm>

#include "npu/common/log.hpp"
#include "npu/genai/tool_call_parser.hpp"

namespace npu::genai {

std::string_view to_string(EndReason reason) noexcept {
  switch (reason) {
    case EndReason::kEndOfGeneration: return "end_of_generation";
    case EndReason::kStopToken: return "stop_token";
    case EndReason::kMaxTokens: return "max_tokens";
    case EndReason::kAborted: return "aborted";
    case EndReason::kError: return "error";
  }
  return "unknown";
}

std::string_view to_string(OutputEvent::Kind kind) noexcept {
  switch (kind) {
    case OutputEvent::Kind::kContent: return "content";
    case OutputEvent::Kind::kReasoning: return "reasoning";
    case OutputEvent::Kind::kStatus: return "status";
    case OutputEvent::Kind::kToolCall: return "tool_call";
    case OutputEvent::Kind::kEnd: return "end";
  }
  return "unknown";
}

OutputParser::OutputParser(const SpecialTokens& specials, OutputParserOptions options)
    : specials_(specials), end_ids_(specials.end_of_generation()), options_(std::move(options)) {
  if (options_.start_in_reasoning) {
    std::vector<OutputEvent> ignored;
    enter_think(ignored);  // the status of a prompt-opened <think> comes with the first feed
    pending_status_ = true;
  }
}

std::vector<OutputEvent> OutputParser::feed(TokenId id, std::string_view piece) {
  std::vector<OutputEvent> out;
  if (ended_) return out;
  if (pending_status_) {
    out.push_back({OutputEvent::Kind::kStatus, options_.status_text, {}, {}, {}});
    pending_status_ = false;
  }
  if (!options_.ignore_end_tokens && std::find(end_ids_.begin(), end_ids_.end(), id) != end_ids_.end()) {
    end(EndReason::kEndOfGeneration, out);
  } else if (std::find(options_.stop_tokens.begin(), options_.stop_tokens.end(), id) !=
             options_.stop_tokens.end()) {
    end(EndReason::kStopToken, out);
  } else if (is(specials_.think_start, id)) {
    if (!in_think_) enter_think(out);
  } else if (is(specials_.think_end, id)) {
    leave_think(out);
  } else if (is(specials_.tool_call_start, id)) {
    if (in_tool_) close_tool_call(out, false);  // a second start: the first was never closed
    in_tool_ = true;
  } else if (is(specials_.tool_call_end, id)) {
    if (in_tool_) close_tool_call(out, true);
  } else {
    text(piece, out, /*from_token=*/true);
  }
  return out;
}

std::vector<OutputEvent> OutputParser::finish(EndReason reason, std::string_view tail) {
  std::vector<OutputEvent> out;
  if (ended_) return out;
  text(tail, out);
  end(reason, out);
  return out;
}

void OutputParser::text(std::string_view piece, std::vector<OutputEvent>& out, bool from_token) {
  if (piece.empty() && !(from_token && options_.empty_content && !in_tool_ && !in_think_)) return;
  if (in_tool_) {
    tool_buffer_ += piece;
  } else if (in_think_) {
    if (options_.show_reasoning) {
      out.push_back({OutputEvent::Kind::kReasoning, std::string(piece), {}, {}, {}});
    }
  } else {
    out.push_back({OutputEvent::Kind::kContent, std::string(piece), {}, {}, {}});
  }
}

void OutputParser::enter_think(std::vector<OutputEvent>& out) {
  in_think_ = true;
  out.push_back({OutputEvent::Kind::kStatus, options_.status_text, {}, {}, {}});
  if (options_.on_think_start) options_.on_think_start();
}

void OutputParser::leave_think(std::vector<OutputEvent>& out) {
  if (!in_think_) return;
  in_think_ = false;
  if (options_.mark_think_end) out.push_back({OutputEvent::Kind::kReasoning, {}, {}, {}, {}});
  if (options_.on_think_end) options_.on_think_end();
}

void OutputParser::close_tool_call(std::vector<OutputEvent>& out, bool terminated) {
  in_tool_ = false;
  std::string raw = std::move(tool_buffer_);
  tool_buffer_.clear();
  if (terminated) {
    auto calls = ToolCallParser::parse(raw);
    if (calls) {
      out.push_back({OutputEvent::Kind::kToolCall, ToolCallParser::to_json(*calls),
                     std::move(*calls), {}, {}});
      return;
    }
    log().warn("model wrote a malformed tool call, passing it on as text: {}",
               calls.error().message());
    out.push_back({OutputEvent::Kind::kContent, std::move(raw), {}, calls.error().message(), {}});
    return;
  }
  log().warn("model started a tool call and never finished it; passing it on as text");
  out.push_back({OutputEvent::Kind::kContent, std::move(raw), {},
                 "tool call was not terminated by <|tool_call_end|>", {}});
}

void OutputParser::end(EndReason reason, std::vector<OutputEvent>& out) {
  if (in_tool_) close_tool_call(out, false);
  leave_think(out);
  pending_status_ = false;
  ended_ = true;
  out.push_back({OutputEvent::Kind::kEnd, {}, {}, {}, reason});
}

}  // namespace npu::genai
