#include "hailort/hailo_generation.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <hailo/hailort.hpp>

#include "hailort/hailo_status_error.hpp"

namespace npu::hailort_backend {
namespace {

using Clock = std::chrono::steady_clock;
using Completion = hailort::genai::LLMGeneratorCompletion;

genai::GenerationStatus status_of(Completion::Status s) noexcept {
  switch (s) {
    case Completion::Status::GENERATING: return genai::GenerationStatus::kGenerating;
    case Completion::Status::MAX_TOKENS_REACHED: return genai::GenerationStatus::kMaxTokensReached;
    case Completion::Status::LOGICAL_END_OF_GENERATION: return genai::GenerationStatus::kLogicalEnd;
    case Completion::Status::ABORTED: return genai::GenerationStatus::kAborted;
    default: return genai::GenerationStatus::kFailed;
  }
}

// How long draining HailoRT's last reads may take after it was asked to stop.
constexpr std::chrono::seconds kDrainTimeout{10};

}  // namespace

HailoGeneration::HailoGeneration(std::unique_ptr<Completion> completion, TextEventMapper mapper, Counts counts,
                                 Clock::time_point started, std::shared_ptr<HailoReply> reply)
    : completion_(std::move(completion)), mapper_(std::move(mapper)), counts_(counts), started_(started),
      reply_(std::move(reply)) {
  stats_.prompt_tokens = counts_.prompt_tokens;
  stats_.cached_tokens = counts_.cached_tokens;
}

HailoGeneration::~HailoGeneration() {
  abort();
  std::lock_guard lock(completion_mutex_);
  completion_.reset();  // HailoRT's destructor stops a generation that is still running
}

void HailoGeneration::abort() noexcept {
  if (status_.load() != genai::GenerationStatus::kGenerating) return;
  std::lock_guard lock(completion_mutex_);
  if (completion_ && !abort_sent_.exchange(true)) (void)completion_->abort();  // blocks until stopped
}

bool HailoGeneration::release_completion() {
  if (status_.load() == genai::GenerationStatus::kGenerating) return false;
  std::lock_guard lock(completion_mutex_);
  completion_.reset();
  return true;
}

genai::GenerationStats HailoGeneration::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void HailoGeneration::end(std::string_view text, genai::GenerationStatus status) {
  for (auto& ev : mapper_.finish(text, status)) queue_.push_back(std::move(ev));
  const auto now = Clock::now();
  std::uint32_t generated = generating_reads_;
  if (status == genai::GenerationStatus::kMaxTokensReached || status == genai::GenerationStatus::kAborted) {
    // HailoRT delivers its recovery sequence after the last generated token, the final read
    // carrying the status: without one, that final read is the last generated token.
    const std::uint32_t extra = counts_.recovery_tokens == 0 ? 1 : 0;
    const std::uint32_t recovery = counts_.recovery_tokens == 0 ? 0 : counts_.recovery_tokens - 1;
    generated = generated + extra > recovery ? generated + extra - recovery : 0;
  }
  {
    std::lock_guard lock(stats_mutex_);
    stats_.generated_tokens = generated;
    stats_.prefill_runs = 1;
    stats_.tbt_runs = generated > 0 ? generated - 1 : 0;
    if (first_read_) stats_.host_decode = now - *first_read_;
  }
  status_ = status;
}

Expected<void> HailoGeneration::pull(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (queue_.empty() && !mapper_.ended()) {
    const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                               std::chrono::milliseconds(0));
    auto text = completion_->read(left);
    if (!text) {
      if (text.status() == HAILO_TIMEOUT) {
        return fail(ErrorCode::kTimeout,
                    fmt::format("no output within {} ms (generation goes on: read again, or abort())", timeout.count()));
      }
      error_ = hailo_error(text.status(), "reading the generation");
      end({}, genai::GenerationStatus::kFailed);
      break;
    }
    const auto now = Clock::now();
    if (!first_read_) {
      first_read_ = now;
      std::lock_guard lock(stats_mutex_);
      stats_.host_ttft = now - started_;
    }
    const auto status = status_of(completion_->generation_status());
    if (status != genai::GenerationStatus::kGenerating) {
      end(text.value(), status);
      break;
    }
    ++generating_reads_;
    for (auto& ev : mapper_.feed(text.value())) queue_.push_back(std::move(ev));
    if (!mapper_.stop_string_seen()) continue;
    // A stop string: stop HailoRT (it appends its recovery sequence, which closes the turn in its
    // context) and read what it still delivers without showing it.
    abort();
    while (status_of(completion_->generation_status()) == genai::GenerationStatus::kGenerating) {
      if (!completion_->read(kDrainTimeout)) break;
    }
    end({}, genai::GenerationStatus::kLogicalEnd);
  }
  return {};
}

void HailoGeneration::record(const genai::GenerationOutput& out) {
  std::lock_guard lock(reply_->mutex);
  switch (out.kind) {
    case genai::OutputKind::kContent: reply_->content += out.text; break;
    case genai::OutputKind::kToolCall: {
      const auto j = nlohmann::json::parse(out.text, nullptr, /*allow_exceptions=*/false);
      if (j.is_object() && j.contains("name") && j["name"].is_string()) {
        reply_->tool_calls.push_back({j["name"].get<std::string>(), j.value("arguments", nlohmann::json::object()).dump()});
      }
      break;
    }
    case genai::OutputKind::kEnd: reply_->complete = out.status == genai::GenerationStatus::kLogicalEnd; break;
    default: break;
  }
}

Expected<genai::GenerationOutput> HailoGeneration::read(std::chrono::milliseconds timeout) {
  std::lock_guard lock(read_mutex_);
  if (queue_.empty() && !end_) NPU_TRY(pull(timeout));
  if (!queue_.empty()) {
    genai::GenerationOutput out = std::move(queue_.front());
    queue_.pop_front();
    if (reply_) record(out);
    if (out.kind != genai::OutputKind::kEnd) return out;
    end_ = out;
  }
  if (error_ && !error_reported_) {
    error_reported_ = true;
    return fail(*error_);
  }
  if (end_) return *end_;
  return fail(ErrorCode::kInternal, "the HailoRT generation ended without an end event: please report it");
}

}  // namespace npu::hailort_backend
