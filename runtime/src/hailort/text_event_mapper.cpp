#include "hailort/text_event_mapper.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace npu::hailort_backend {
namespace {

using genai::GenerationOutput;
using genai::OutputEvent;
using genai::OutputKind;
using genai::TokenId;

// Ids that stand for the markers inside this mapper (HailoRT gives no token ids).
constexpr TokenId kText = 0, kThinkStart = 1, kThinkEnd = 2, kToolStart = 3, kToolEnd = 4;

genai::SpecialTokens marker_ids() {
  genai::SpecialTokens s;
  s.think_start = kThinkStart;
  s.think_end = kThinkEnd;
  s.tool_call_start = kToolStart;
  s.tool_call_end = kToolEnd;
  return s;
}

genai::EndReason reason_of(genai::GenerationStatus status) noexcept {
  switch (status) {
    case genai::GenerationStatus::kMaxTokensReached: return genai::EndReason::kMaxTokens;
    case genai::GenerationStatus::kAborted: return genai::EndReason::kAborted;
    case genai::GenerationStatus::kFailed: return genai::EndReason::kError;
    case genai::GenerationStatus::kGenerating:
    case genai::GenerationStatus::kLogicalEnd: return genai::EndReason::kEndOfGeneration;
  }
  return genai::EndReason::kError;
}

}  // namespace

TextEventMapper::TextEventMapper(TextEventOptions options) : options_(std::move(options)) {
  markers_ = {{"<think>", kThinkStart},          {"</think>", kThinkEnd},
              {"<|tool_call_start|>", kToolStart}, {"<|tool_call_end|>", kToolEnd},
              {"<tool_call>", kToolStart},         {"</tool_call>", kToolEnd}};
  for (const auto& s : options_.end_of_turn) {
    if (!s.empty()) end_sequences_.push_back(s);
  }
  if (!options_.recovery_sequence.empty()) end_sequences_.push_back(options_.recovery_sequence);
  for (const auto& s : options_.stop_strings) longest_stop_ = std::max(longest_stop_, s.size());
  genai::OutputParserOptions po;
  po.show_reasoning = options_.show_reasoning;
  po.start_in_reasoning = options_.start_in_reasoning;
  po.mark_think_end = true;  // a UI clears its "Analyzing..." there, as with the other backends
  po.on_think_start = options_.hooks.on_think_start;
  po.on_think_end = options_.hooks.on_think_end;
  parser_.emplace(marker_ids(), std::move(po));
}

std::size_t TextEventMapper::held_tail() const {
  // The longest tail of pending_ that a later read could complete into a marker (a proper prefix
  // of one) or that is (the start of) an end sequence, which the end of the generation drops.
  for (std::size_t k = pending_.size(); k > 0; --k) {
    const std::string_view tail = std::string_view(pending_).substr(pending_.size() - k);
    for (const auto& m : markers_) {
      if (m.text.size() > k && m.text.starts_with(tail)) return k;
    }
    for (const auto& e : end_sequences_) {
      if (e.starts_with(tail)) return k;
    }
  }
  return 0;
}

void TextEventMapper::drain(bool final, std::vector<GenerationOutput>& out) {
  while (!stop_seen_) {
    // The earliest complete marker (the longest one at that position).
    std::size_t at = std::string::npos;
    const Marker* found = nullptr;
    for (const auto& m : markers_) {
      const std::size_t p = pending_.find(m.text);
      if (p != std::string::npos && (p < at || (p == at && m.text.size() > found->text.size()))) {
        at = p;
        found = &m;
      }
    }
    if (!found) break;
    parse(kText, std::string_view(pending_).substr(0, at), out);
    if (!stop_seen_) parse(found->id, {}, out);
    pending_.erase(0, at + found->text.size());
  }
  if (stop_seen_) {
    pending_.clear();
    return;
  }
  const std::size_t keep = final ? 0 : held_tail();
  parse(kText, std::string_view(pending_).substr(0, pending_.size() - keep), out);
  pending_.erase(0, pending_.size() - keep);
}

void TextEventMapper::parse(TokenId id, std::string_view piece, std::vector<GenerationOutput>& out) {
  if (id == kText && piece.empty()) return;
  emit(parser_->feed(id, piece), out);
}

void TextEventMapper::emit(std::vector<OutputEvent> events, std::vector<GenerationOutput>& out) {
  const std::uint32_t index = reads_ == 0 ? 0 : reads_ - 1;
  auto push = [&](OutputKind kind, std::string text, std::string warning = {}) {
    GenerationOutput o;
    o.kind = kind;
    o.index = index;
    o.text = std::move(text);
    o.warning = std::move(warning);
    out.push_back(std::move(o));
  };
  for (auto& ev : events) {
    if (stop_seen_) return;
    switch (ev.kind) {
      case OutputEvent::Kind::kEnd: break;  // finish() adds the end with the completion's status
      case OutputEvent::Kind::kStatus: push(OutputKind::kStatus, std::move(ev.text)); break;
      case OutputEvent::Kind::kReasoning: push(OutputKind::kReasoning, std::move(ev.text)); break;
      case OutputEvent::Kind::kToolCall:
        for (const auto& call : ev.tool_calls) {  // one event per call, as the API documents
          push(OutputKind::kToolCall, fmt::format("{{\"name\":{},\"arguments\":{}}}",
                                                  nlohmann::json(call.name).dump(), call.arguments_json));
        }
        break;
      case OutputEvent::Kind::kContent: {
        if (!ev.warning.empty() || longest_stop_ == 0) {
          push(OutputKind::kContent, std::move(ev.text), std::move(ev.warning));
          break;
        }
        // Stop strings: deliver the content up to the end of the first one, then stop.
        const std::size_t before = tail_.size();
        tail_ += ev.text;
        std::size_t cut = std::string::npos;
        for (const auto& s : options_.stop_strings) {
          if (s.empty()) continue;
          const std::size_t p = tail_.find(s);
          if (p != std::string::npos) cut = std::min(cut, p + s.size());
        }
        if (cut != std::string::npos) {
          push(OutputKind::kContent, ev.text.substr(0, cut > before ? cut - before : 0));
          stop_seen_ = true;
          return;
        }
        push(OutputKind::kContent, std::move(ev.text));
        if (tail_.size() > 2 * longest_stop_ + 64) tail_.erase(0, tail_.size() - longest_stop_);
        break;
      }
    }
  }
}

std::vector<GenerationOutput> TextEventMapper::feed(std::string_view text) {
  std::vector<GenerationOutput> out;
  if (ended_) return out;
  ++reads_;
  pending_ += text;
  drain(false, out);
  return out;
}

std::vector<GenerationOutput> TextEventMapper::finish(std::string_view text, genai::GenerationStatus status) {
  std::vector<GenerationOutput> out;
  if (ended_) return out;
  ++reads_;
  pending_ += text;
  // Drop what HailoRT added after the model's last word for the caller.
  auto drop_suffix = [&](const std::vector<std::string>& candidates) {
    std::size_t longest = 0;
    for (const auto& s : candidates) {
      if (!s.empty() && s.size() > longest && pending_.ends_with(s)) longest = s.size();
    }
    pending_.resize(pending_.size() - longest);
  };
  if (!stop_seen_) {
    if (status == genai::GenerationStatus::kLogicalEnd) drop_suffix(options_.end_of_turn);
    if (status == genai::GenerationStatus::kMaxTokensReached || status == genai::GenerationStatus::kAborted) {
      drop_suffix({options_.recovery_sequence});
    }
  }
  drain(true, out);
  // Closes an unfinished tool call and the reasoning phase (its hook fires either way); after a
  // stop string nothing more is delivered.
  auto closing = parser_->finish(reason_of(status));
  if (!stop_seen_) emit(std::move(closing), out);
  GenerationOutput end;
  end.kind = OutputKind::kEnd;
  end.status = status;
  end.index = reads_ - 1;
  out.push_back(std::move(end));
  ended_ = true;
  return out;
}

bool opens_think(std::string_view prompt) noexcept {
  const std::size_t open = prompt.rfind("<think>");
  if (open == std::string_view::npos) return false;
  const std::size_t close = prompt.rfind("</think>");
  return close == std::string_view::npos || close < open;
}

bool template_opens_think(std::string_view prompt_template) noexcept {
  const std::size_t gen = prompt_template.rfind("add_generation_prompt");
  if (gen == std::string_view::npos) return false;
  const std::string_view rest = prompt_template.substr(gen);
  const std::size_t open = rest.find("<think>");
  return open != std::string_view::npos && rest.find("</think>", open) == std::string_view::npos;
}

}  // namespace npu::hailort_backend
