// Runs one request on the device: admission (a generation slot or a place in the queue), a
// session of the model, generation with reasoning shown, and the events forwarded to a sink (the
// streaming writer of the API the request came through) while everything is also collected for a
// whole response. Cancels the generation when the sink reports the client gone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admission.hpp"
#include "api_error.hpp"
#include "generation_request.hpp"
#include "metrics.hpp"
#include "served_model.hpp"

namespace npu::server {

// Where the events of a generation go as they happen. Each returns false when the client has gone.
class TurnSink {
 public:
  virtual ~TurnSink() = default;
  virtual bool content(std::string_view text) = 0;
  virtual bool reasoning(std::string_view text) = 0;
  virtual bool tool_call(const genai::ToolCall& call, std::size_t index) = 0;
  virtual bool idle() = 0;   // nothing happened for a keep-alive interval (also during prefill)
  virtual bool alive() = 0;  // polled while waiting: is the client still connected?
};

// A sink that only collects (whole responses), with the connection check of the caller.
class CollectingSink : public TurnSink {
 public:
  explicit CollectingSink(std::function<bool()> alive) : alive_(std::move(alive)) {}
  bool content(std::string_view) override { return true; }
  bool reasoning(std::string_view) override { return true; }
  bool tool_call(const genai::ToolCall&, std::size_t) override { return true; }
  bool idle() override { return alive(); }
  bool alive() override { return !alive_ || alive_(); }

 private:
  std::function<bool()> alive_;
};

struct TurnOutput {
  std::string content, reasoning;
  std::vector<genai::ToolCall> tool_calls;
  std::string finish_reason;  // stop, length, tool_calls, abort
  std::uint32_t prompt_tokens = 0, completion_tokens = 0;
  std::uint32_t cached_tokens = 0;  // of prompt_tokens, served from the session's context (prompt cache)
  genai::GenerationStats stats;
  std::chrono::nanoseconds queue{0}, ttft{0}, e2e{0};
  std::chrono::nanoseconds sink_time{0};  // the server's own time passing events on (encode + write)
  std::chrono::nanoseconds sink_cpu_time{0};  // the same as CPU time of this thread (without waits for a core)
  // Set when the request failed: before any event (answer with its status) or in the middle of
  // the events (a streaming answer ends with an error event).
  std::optional<ApiError> error;
  bool client_gone = false;
};

struct TurnOptions {
  std::chrono::milliseconds keepalive{std::chrono::seconds(15)};
};

// `param` names the request field that held the prompt (messages / prompt) for a 400 about it.
[[nodiscard]] TurnOutput run_turn(ServedModel& model, Admission& admission, Metrics& metrics,
                                  const GenerationRequest& request, TurnSink& sink, const TurnOptions& options);

// The parameters a request generates with: the model's sampling presets for every field the
// request left unset, reasoning shown, no token limit unless the request set one.
[[nodiscard]] genai::GeneratorParams generator_params(const genai::LLM& llm, const GenerationRequest& request);

}  // namespace npu::server
