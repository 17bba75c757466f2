#include "local/llm/generation_job.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace npu::genai::detail {
namespace {

using Clock = std::chrono::steady_clock;

GenerationStatus status_of(EndReason reason) noexcept {
  switch (reason) {
    case EndReason::kEndOfGeneration:
    case EndReason::kStopToken: return GenerationStatus::kLogicalEnd;
    case EndReason::kMaxTokens: return GenerationStatus::kMaxTokensReached;
    case EndReason::kAborted: return GenerationStatus::kAborted;
    case EndReason::kError: return GenerationStatus::kFailed;
  }
  return GenerationStatus::kFailed;
}

EndReason reason_of(GenerationStatus status) noexcept {
  switch (status) {
    case GenerationStatus::kMaxTokensReached: return EndReason::kMaxTokens;
    case GenerationStatus::kAborted: return EndReason::kAborted;
    case GenerationStatus::kFailed: return EndReason::kError;
    case GenerationStatus::kGenerating:  // not an end; generate() never returns it
    case GenerationStatus::kLogicalEnd: return EndReason::kEndOfGeneration;
  }
  return EndReason::kError;
}

}  // namespace

GenerationJob::GenerationJob(std::shared_ptr<LocalSession> session, std::vector<TokenId> prompt,
                             GeneratorParams params, TokenChooser chooser, const LLMHooks& hooks,
                             std::uint32_t cached_tokens)
    : session_(std::move(session)), prompt_(std::move(prompt)), cached_tokens_(cached_tokens), params_(std::move(params)),
      chooser_(std::move(chooser)) {
  if (session_->text->tokenizer) detok_.emplace(*session_->text->tokenizer);
  for (const auto& s : params_.stop_strings) longest_stop_ = std::max(longest_stop_, s.size());
  parser_options_.show_reasoning = params_.show_reasoning;
  parser_options_.stop_tokens = params_.stop_tokens;
  parser_options_.ignore_end_tokens = params_.ignore_end_tokens;
  // The model's own end-of-turn ids (e.g. Llama 3's eos_token_id list) end the turn like EOS.
  if (!params_.ignore_end_tokens) {
    for (TokenId id : session_->text->end_tokens) parser_options_.stop_tokens.push_back(id);
  }
  parser_options_.empty_content = true;   // one content event per generated token
  parser_options_.mark_think_end = true;  // npud's client fires on_think_end from that event
  parser_options_.on_think_start = hooks.on_think_start;
  parser_options_.on_think_end = hooks.on_think_end;
  parser_options_.start_in_reasoning = prompt_opens_think();
}

GenerationJob::~GenerationJob() {
  abort();
  join();
}

void GenerationJob::start() {
  thread_ = std::thread([this] { run(); });
}

void GenerationJob::join() {
  if (thread_.joinable()) thread_.join();
}

GenerationStats GenerationJob::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

bool GenerationJob::prompt_opens_think() const {
  const auto& sp = session_->text->special;
  if (!sp.think_start) return false;
  // Walks back from the end; a turn marker (<|im_start|>) before any think marker means the
  // current turn has not opened <think>.
  auto scan = [&](const std::vector<TokenId>& tokens) -> std::optional<bool> {
    for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
      if (*it == *sp.think_start) return true;
      if ((sp.think_end && *it == *sp.think_end) || (sp.im_start && *it == *sp.im_start)) return false;
    }
    return std::nullopt;
  };
  if (auto found = scan(prompt_)) return *found;
  return scan(session_->history).value_or(false);
}

void GenerationJob::report_recoveries(std::uint32_t index) {
  std::vector<Recovery> taken;
  {
    std::lock_guard lock(stats_mutex_);
    taken = take_recoveries(*session_, stats_);
  }
  for (const Recovery& r : taken) {
    const double ms = std::chrono::duration<double, std::milli>(r.time).count();
    emit(OutputKind::kRecovery, -1, index,
         r.moved_to.empty()
             ? fmt::format("the device was reset ({}); the session recovered in {:.1f} ms by running its {} tokens "
                           "again, and generation goes on",
                           to_string(r.cause.code()), ms, r.replayed_tokens)
             : fmt::format("device {} was removed; the session moved to device {} in {:.1f} ms by running its {} "
                           "tokens again there, and generation goes on",
                           r.moved_from, r.moved_to, ms, r.replayed_tokens),
         r.cause.what());
  }
}

void GenerationJob::emit(OutputKind kind, TokenId token, std::uint32_t index, std::string text,
                         std::string warning) {
  GenerationOutput out;
  out.kind = kind;
  out.token = token;
  out.index = index;
  out.text = std::move(text);
  out.warning = std::move(warning);
  if (params_.return_logits && token >= 0) {
    auto logits = session_->core->logits();
    out.logits.assign(logits.begin(), logits.end());
  }
  queue_.push(std::move(out));
}

bool GenerationJob::emit_events(std::vector<OutputEvent> events, TokenId token, std::uint32_t index) {
  const auto& sp = session_->text->special;
  bool stop = false;
  for (auto& ev : events) {
    switch (ev.kind) {
      case OutputEvent::Kind::kEnd: break;  // run() queues the end with the session's status
      case OutputEvent::Kind::kToolCall:
        for (const auto& call : ev.tool_calls) {  // one event per call, as the API documents
          emit(OutputKind::kToolCall, token, index,
               fmt::format("{{\"name\":{},\"arguments\":{}}}", nlohmann::json(call.name).dump(),
                           call.arguments_json));
        }
        break;
      case OutputEvent::Kind::kStatus:
        // The status stands for <think> (also when the prompt opened it): npud's client keys its
        // on_think_start hook on that token.
        emit(OutputKind::kStatus, sp.think_start.value_or(token), index, std::move(ev.text));
        break;
      case OutputEvent::Kind::kContent:
        if (ev.warning.empty()) {
          tail_ += ev.text;
          for (const auto& s : params_.stop_strings) {
            if (!s.empty() && tail_.find(s) != std::string::npos) stop = true;
          }
          // Keep only what a stop string could still straddle.
          if (tail_.size() > 2 * longest_stop_ + 64) tail_.erase(0, tail_.size() - longest_stop_);
        }
        emit(OutputKind::kContent, token, index, std::move(ev.text), std::move(ev.warning));
        break;
      case OutputEvent::Kind::kReasoning:
        emit(OutputKind::kReasoning, token, index, std::move(ev.text));
        break;
    }
  }
  return stop;
}

std::optional<GenerationStatus> GenerationJob::emit_token(TokenId token, std::uint32_t index) {
  std::string piece;
  if (detok_) {
    auto text = detok_->push(token);
    if (text) piece = std::move(*text);
  }
  auto events = parser_->feed(token, piece);
  std::optional<GenerationStatus> end;
  for (const auto& ev : events) {
    if (ev.kind == OutputEvent::Kind::kEnd) end = status_of(ev.end_reason);
  }
  // The end-of-turn or stop token itself is not an output; what its end flushed (an unfinished
  // tool call, the end of thinking) is, with no token of its own.
  const bool stop_string = emit_events(std::move(events), end ? -1 : token, index);
  if (!end && stop_string) end = GenerationStatus::kLogicalEnd;
  return end;
}

Expected<GenerationStatus> GenerationJob::generate() {
  LocalSession& s = *session_;
  const bool greedy = chooser_.greedy();
  const bool timing_only = params_.timing_only;
  Readback readback = greedy ? (params_.return_logits ? Readback::kBoth : Readback::kNextToken) : Readback::kLogits;
  if (timing_only) readback = Readback::kNone;  // the device computed no values to read
  if (abort_) return GenerationStatus::kAborted;
  GenerationStats local;
  local.cached_tokens = cached_tokens_;
  auto first = s.feed(prompt_, PrefillMode::kChunked, readback, local, timing_only, &abort_);
  if (first && !timing_only) s.checkpoint();  // the next turn's prompt usually extends this one
  {
    std::lock_guard lock(stats_mutex_);
    stats_ = local;
  }
  report_recoveries(0);
  if (!first && first.error().code() == ErrorCode::kAborted && abort_) return GenerationStatus::kAborted;
  if (!first) return fail(first.error());
  chooser_.accept(s.history);
  TokenId next = timing_only ? prompt_.back() : first->next_token;
  if (!greedy && !timing_only) {
    NPU_TRY_ASSIGN(next, chooser_.choose(s.core->logits()));
  }
  const auto first_token_at = Clock::now();
  {
    std::lock_guard lock(stats_mutex_);
    stats_.host_ttft = first_token_at - started_;
  }
  std::uint32_t index = 0;
  auto finish = [&](GenerationStatus status) {
    s.pending = next;
    if (!timing_only) s.checkpoint();
    std::lock_guard lock(stats_mutex_);
    stats_.generated_tokens = index;
    stats_.host_decode = Clock::now() - first_token_at;
    return status;
  };
  while (true) {
    if (const auto end = emit_token(next, index)) {
      if (parser_->ended()) return finish(*end);  // an end or stop token: not a generated token
      ++index;                                     // a stop string: its token was generated
      return finish(*end);
    }
    ++index;
    if (params_.max_generated_tokens && index >= *params_.max_generated_tokens) {
      return finish(GenerationStatus::kMaxTokensReached);
    }
    if (abort_) return finish(GenerationStatus::kAborted);
    if (s.used() >= s.capacity()) return finish(GenerationStatus::kMaxTokensReached);
    StepRequest req;
    req.subnet = Subnet::kTbt;
    req.position = s.used();
    req.tokens = std::span<const TokenId>(&next, 1);
    req.readback = readback;
    req.timing_only = timing_only;
    auto r = s.step(req);
    report_recoveries(index);
    if (!r) return fail(r.error().with_context("generation stopped"));
    {
      std::lock_guard lock(stats_mutex_);
      add_step(stats_, r->timing, true);
      stats_.generated_tokens = index;
    }
    if (!timing_only) next = r->next_token;
    if (!greedy && !timing_only) {
      NPU_TRY_ASSIGN(next, chooser_.choose(s.core->logits()));
    }
  }
}

void GenerationJob::run() {
  parser_.emplace(session_->text->special, parser_options_);
  auto result = generate();
  const GenerationStatus status = result ? *result : GenerationStatus::kFailed;
  // Characters still held back (an incomplete UTF-8 sequence), an unfinished tool call (shown as
  // text with a warning, never dropped) and the end of an unclosed <think> (its hook fires).
  // They follow the last generated token, so they take the index after it.
  const std::string rest = detok_ ? detok_->flush() : std::string();
  (void)emit_events(parser_->finish(reason_of(status), rest), -1, stats().generated_tokens);
  GenerationOutput end;
  end.kind = OutputKind::kEnd;
  end.status = status;
  if (!result) error_ = result.error();
  status_ = end.status;
  queue_.push(std::move(end));
}

Expected<GenerationOutput> GenerationJob::read(std::chrono::milliseconds timeout) {
  if (ended_) {
    if (error_ && !error_reported_) {
      error_reported_ = true;
      return fail(*error_);
    }
    return end_;
  }
  auto out = queue_.pop(timeout);
  if (!out) {
    return fail(ErrorCode::kTimeout,
                fmt::format("no output within {} ms (generation goes on: read again, or abort())", timeout.count()));
  }
  if (out->kind == OutputKind::kEnd) {
    ended_ = true;
    end_ = *out;
    if (error_) {
      error_reported_ = true;
      return fail(*error_);
    }
  }
  return std::move(*out);
}

}  // namespace npu::genai::detail
