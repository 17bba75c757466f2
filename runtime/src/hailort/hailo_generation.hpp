// One generation of a HailoRT LLM: HailoRT's LLMGeneratorCompletion read token by token (on the
// reader's thread: HailoRT already runs the generation on the device and queues its text), each
// read mapped into typed events by TextEventMapper. read(timeout) maps HailoRT's read timeout to
// kTimeout (the generation goes on); abort() asks HailoRT to stop (it then injects its recovery
// sequence, which the mapper drops); a caller's stop string seen in the text ends the generation
// the same way, as a logical end. Figures are host-measured: HailoRT reports no device timings.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "backend/generation_stream.hpp"
#include "npu/genai/chat_message.hpp"
#include "hailort/text_event_mapper.hpp"

namespace hailort::genai {
class LLMGeneratorCompletion;
}

namespace npu::hailort_backend {

// The answer of a generation as its reader received it: what HailoLlm compares the next
// conversation's assistant turn with. Complete once the reader got kEnd of a generation that ended
// by itself (an end of turn or stop, not a cut, an abort or an error).
struct HailoReply {
  std::mutex mutex;
  std::string content;
  std::vector<genai::ToolCall> tool_calls;
  bool complete = false;
};

class HailoGeneration final : public backend::GenerationStream {
 public:
  struct Counts {
    std::uint32_t recovery_tokens = 0;  // tokens of HailoRT's recovery sequence
    std::uint32_t prompt_tokens = 0;    // as far as known before generating (0: unknown)
    std::uint32_t cached_tokens = 0;    // tokens of the context the prompt continued
  };
  HailoGeneration(std::unique_ptr<hailort::genai::LLMGeneratorCompletion> completion, TextEventMapper mapper,
                  Counts counts, std::chrono::steady_clock::time_point started,
                  std::shared_ptr<HailoReply> reply = nullptr);
  ~HailoGeneration() override;

  [[nodiscard]] Expected<genai::GenerationOutput> read(std::chrono::milliseconds timeout) override;
  [[nodiscard]] genai::GenerationStatus status() const noexcept override { return status_.load(); }
  void abort() noexcept override;
  void join() override {}  // HailoRT's abort() returns once the generation has stopped
  [[nodiscard]] genai::GenerationStats stats() const override;

  // Drops HailoRT's completion once the generation has ended (HailoRT allows one at a time);
  // false while it is still generating.
  [[nodiscard]] bool release_completion();

 private:
  // Reads HailoRT until the mapper releases events or the deadline passes.
  [[nodiscard]] Expected<void> pull(std::chrono::milliseconds timeout);
  void end(std::string_view text, genai::GenerationStatus status);
  // Adds a delivered event to reply_.
  void record(const genai::GenerationOutput& out);

  std::mutex completion_mutex_;  // guards completion_'s lifetime against abort()
  std::unique_ptr<hailort::genai::LLMGeneratorCompletion> completion_;
  TextEventMapper mapper_;
  Counts counts_;
  std::mutex read_mutex_;  // one reader at a time; abort() does not take it
  std::deque<genai::GenerationOutput> queue_;
  std::optional<Error> error_;
  bool error_reported_ = false;
  std::optional<genai::GenerationOutput> end_;  // kEnd, once delivered
  std::atomic<bool> abort_sent_{false};
  std::atomic<genai::GenerationStatus> status_{genai::GenerationStatus::kGenerating};
  std::uint32_t generating_reads_ = 0;  // reads HailoRT delivered while still generating
  mutable std::mutex stats_mutex_;
  genai::GenerationStats stats_;
  std::chrono::steady_clock::time_point started_;
  std::optional<std::chrono::steady_clock::time_point> first_read_;
  std::shared_ptr<HailoReply> reply_;
};

}  // namespace npu::hailort_backend
