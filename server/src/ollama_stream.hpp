// Ollama's answer shapes: {"error": "..."} with the HTTP status, and a generation as NDJSON lines
// (streamed) or one object (whole) — message.content / response, message.thinking, tool calls
// with object arguments, done_reason, durations in nanoseconds. Fed by the device (run_turn) or
// by an OpenAI-compatible upstream's answer translated back (ollama_upstream.hpp).
#pragma once

#include <string>

#include "http_exchange.hpp"
#include "turn_runner.hpp"

namespace npu::server {

void ollama_error(Exchange& ex, const ApiError& e, const HeaderList& extra = {});

// The current time as Ollama writes it (RFC 3339 with nanoseconds, UTC).
[[nodiscard]] std::string rfc3339_now();

class NdjsonSink final : public TurnSink {
 public:
  // `headers` go with the answer (e.g. the backend that answered).
  NdjsonSink(Exchange& ex, std::string model, bool chat, bool stream, bool thinking, HeaderList headers = {})
      : ex_(ex), model_(std::move(model)), chat_(chat), stream_(stream), thinking_(thinking), headers_(std::move(headers)) {}

  bool content(std::string_view text) override;
  bool reasoning(std::string_view text) override;
  bool tool_call(const genai::ToolCall& call, std::size_t index) override;
  bool idle() override { return ex_.alive(); }  // NDJSON has no comment lines; the connection check only
  bool alive() override { return ex_.alive(); }

  // The last line (streamed) or the whole answer; an error before anything was sent is answered
  // with its status, one after is an {"error"} line.
  void finish(const TurnOutput& out);

 private:
  bool line(nlohmann::json j);

  Exchange& ex_;
  std::string model_;
  bool chat_, stream_, thinking_;
  HeaderList headers_;
  bool started_ = false;
};

}  // namespace npu::server
