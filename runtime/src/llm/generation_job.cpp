#include "generation_job.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npu/common/log.hpp"
#include "npu/genai/tool_call_parser.hpp"

namespace npu::genai::detail {
namespace {

constexpr const char* kAnalyzing = "Analyzing...";
using Clock = std::chrono::steady_clock;

}  // namespace

GenerationJob::GenerationJob(std::shared_ptr<LLM::Impl> session, std::vector<TokenId> prompt,
                             GeneratorParams params, TokenChooser chooser)
    : session_(std::move(session)), prompt_(std::move(prompt)), params_(std::move(params)),
      chooser_(std::move(chooser)), hooks_(session_->hooks) {
  if (!params_.ignore_end_tokens) stops_ = session_->text->end_tokens;
  stops_.insert(stops_.end(), params_.stop_tokens.begin(), params_.stop_tokens.end());
  if (session_->text->tokenizer) detok_.emplace(*session_->text->tokenizer);
  for (const auto& s : params_.stop_strings) longest_stop_ = std::max(longest_stop_, s.size());
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

bool GenerationJob::is_stop(TokenId token) const noexcept {
  return std::find(stops_.begin(), stops_.end(), token) != stops_.end();
}

void GenerationJob::emit_text(OutputKind kind, TokenId token, std::uint32_t index, std::string text) {
  GenerationOutput out;
  out.kind = kind;
  out.token = token;
  out.index = index;
  out.text = std::move(text);
  if (params_.return_logits && token >= 0) {
    auto logits = session_->core->logits();
    out.logits.assign(logits.begin(), logits.end());
  }
  queue_.push(std::move(out));
}

bool GenerationJob::emit_token(TokenId token, std::uint32_t index) {
  const auto& sp = session_->text->special;
  std::string piece;
  if (detok_) {
    auto text = detok_->push(token);
    if (text) piece = std::move(*text);
  }
  if (sp.think_start && token == *sp.think_start) {
    in_think_ = true;
    if (hooks_.on_think_start) hooks_.on_think_start();
    emit_text(OutputKind::kStatus, token, index, kAnalyzing);
    return false;
  }
  if (sp.think_end && token == *sp.think_end) {
    in_think_ = false;
    if (hooks_.on_think_end) hooks_.on_think_end();
    emit_text(OutputKind::kReasoning, token, index, {});
    return false;
  }
  if (sp.tool_call_start && token == *sp.tool_call_start) {
    in_tool_ = true;
    tool_text_.clear();
    return false;
  }
  if (in_tool_) {
    if (sp.tool_call_end && token == *sp.tool_call_end) {
      in_tool_ = false;
      auto calls = ToolCallParser::parse(tool_text_);
      if (!calls) {  // a malformed call is passed on as text, never dropped
        log().warn("model wrote a tool call that does not parse ({}); passing it on as content",
                   calls.error().message());
        emit_text(OutputKind::kContent, token, index, std::move(tool_text_));
      } else {
        for (const auto& call : *calls) {
          emit_text(OutputKind::kToolCall, token, index,
                    fmt::format("{{\"name\":{},\"arguments\":{}}}", nlohmann::json(call.name).dump(),
                                call.arguments_json));
        }
      }
      tool_text_.clear();
    } else {
      tool_text_ += piece;
    }
    return false;
  }
  if (in_think_) {
    emit_text(OutputKind::kReasoning, token, index, std::move(piece));
    return false;
  }
  tail_ += piece;
  emit_text(OutputKind::kContent, token, index, std::move(piece));
  bool stop = false;
  for (const auto& s : params_.stop_strings) {
    if (!s.empty() && tail_.find(s) != std::string::npos) stop = true;
  }
  // Keep only what a stop string could still straddle.
  if (tail_.size() > 2 * longest_stop_ + 64) tail_.erase(0, tail_.size() - longest_stop_);
  return stop;
}

Expected<GenerationStatus> GenerationJob::generate() {
  LLM::Impl& s = *session_;
  const bool greedy = chooser_.greedy();
  const bool timing_only = params_.timing_only;
  Readback readback = greedy ? (params_.return_logits ? Readback::kBoth : Readback::kNextToken) : Readback::kLogits;
  if (timing_only) readback = Readback::kNone;  // the device computed no values to read
  if (abort_) return GenerationStatus::kAborted;
  GenerationStats local;
  auto first = s.feed(prompt_, PrefillMode::kChunked, readback, local, timing_only);
  {
    std::lock_guard lock(stats_mutex_);
    stats_ = local;
  }
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
    std::lock_guard lock(stats_mutex_);
    stats_.generated_tokens = index;
    stats_.host_decode = Clock::now() - first_token_at;
    return status;
  };
  while (true) {
    if (is_stop(next)) return finish(GenerationStatus::kLogicalEnd);
    const bool stop_string = emit_token(next, index);
    ++index;
    if (stop_string) return finish(GenerationStatus::kLogicalEnd);
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
    auto r = s.core->step(req);
    if (!r) {
      s.clear();
      return fail(r.error().with_context("generation stopped and the session's context was dropped"));
    }
    s.history.push_back(next);
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
  auto result = generate();
  if (detok_) {  // characters still held back (an incomplete UTF-8 sequence at the end)
    if (auto rest = detok_->flush(); !rest.empty()) {
      emit_text(in_think_ ? OutputKind::kReasoning : OutputKind::kContent, -1, 0, std::move(rest));
    }
  }
  if (in_tool_ && !tool_text_.empty()) {  // an unterminated call is shown as text, not dropped
    log().warn("generation ended inside a tool call; passing it on as content");
    emit_text(OutputKind::kContent, -1, 0, std::move(tool_text_));
  }
  GenerationOutput end;
  end.kind = OutputKind::kEnd;
  if (result) {
    end.status = *result;
  } else {
    end.status = GenerationStatus::kFailed;
    error_ = result.error();
  }
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
