#include "remote/remote_generation.hpp"

#include <cstring>

#include <fmt/format.h>

#include "remote/remote_llm_session.hpp"
#include "wire/llm_json.hpp"

namespace npu::remote {

using genai::GenerationOutput;
using genai::GenerationStatus;
using genai::OutputKind;

RemoteGeneration::~RemoteGeneration() { connection_->unsubscribe(stream_); }

void RemoteGeneration::subscribe(std::shared_ptr<RemoteGeneration> self) {
  std::weak_ptr<RemoteGeneration> weak = self;
  connection_->subscribe(stream_, [weak](Expected<Reply> event) {
    if (auto me = weak.lock()) me->on_event(std::move(event));
  });
}

void RemoteGeneration::on_event(Expected<Reply> event) {
  GenerationOutput out;
  std::optional<Error> error;
  if (!event) {
    error = event.error();
  } else if (auto it = event->body.find("error"); it != event->body.end() && it->is_object()) {
    error = npud::error_from_json(*it);
  } else {
    out = npud::output_from_json(event->body);
    const auto& bin = event->binary;
    out.logits.resize(bin.size() / sizeof(float));
    if (!out.logits.empty()) std::memcpy(out.logits.data(), bin.data(), out.logits.size() * sizeof(float));
  }
  if (error) {
    out = GenerationOutput{};
    out.kind = OutputKind::kEnd;
    out.status = GenerationStatus::kFailed;
  }
  if (out.kind == OutputKind::kEnd) {
    // The session's context as npud left it, before the reader can see the end.
    if (event) {
      if (auto session = session_.lock()) session->update_context(event->body);
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (event) {
      if (auto it = event->body.find("stats"); it != event->body.end()) stats_ = npud::generation_stats_from_json(*it);
    }
    if (ended_) return;  // nothing after the end (e.g. the connection closing later)
    if (error) error_ = std::move(error);
    if (out.kind == OutputKind::kEnd) {
      ended_ = true;
      status_ = out.status;
    }
    queue_.push_back(std::move(out));
  }
  cv_.notify_all();
}

// In-process the parser fires on_think_start on entering <think> (its kStatus event) and
// on_think_end on leaving it (the empty kReasoning marker: at </think>, or token -1 when the
// stream ends inside). A prompt that opened <think> fires on_think_start before any token; if the
// generation then ends before its first token, no kStatus comes, only the marker: both fire here.
void RemoteGeneration::fire_hooks(const GenerationOutput& out) {
  if (out.kind == OutputKind::kStatus) {
    in_think_ = true;
    if (hooks_.on_think_start) hooks_.on_think_start();
  } else if (out.kind == OutputKind::kReasoning && out.text.empty()) {
    if (!in_think_ && hooks_.on_think_start) hooks_.on_think_start();
    in_think_ = false;
    if (hooks_.on_think_end) hooks_.on_think_end();
  }
}

Expected<GenerationOutput> RemoteGeneration::read(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || end_.kind == OutputKind::kEnd; })) {
    return fail(ErrorCode::kTimeout,
                fmt::format("no output within {} ms (generation goes on: read again, or abort())", timeout.count()));
  }
  if (queue_.empty()) return end_;  // after the end: the end again
  GenerationOutput out = std::move(queue_.front());
  queue_.pop_front();
  if (out.kind == OutputKind::kEnd) {
    end_ = out;
    if (error_ && !error_reported_) {
      error_reported_ = true;
      return fail(*error_);
    }
  }
  lock.unlock();
  fire_hooks(out);
  return out;
}

GenerationStatus RemoteGeneration::status() const noexcept {
  std::lock_guard lock(mutex_);
  return status_;
}

void RemoteGeneration::abort() noexcept {
  {
    std::lock_guard lock(mutex_);
    if (ended_ || abort_sent_) return;
    abort_sent_ = true;
  }
  try {
    (void)connection_->call_async(npud::MessageType::kLlmAbort, {{"stream", stream_}}, [](Expected<Reply>) {});
  } catch (...) {  // out of memory while aborting: the generation ends on its own
  }
}

void RemoteGeneration::join() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return ended_; });
}

genai::GenerationStats RemoteGeneration::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace npu::remote
