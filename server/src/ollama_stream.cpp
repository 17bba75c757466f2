#include "ollama_stream.hpp"

#include <chrono>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace npu::server {

namespace {

std::int64_t ns(std::chrono::nanoseconds t) { return t.count(); }

nlohmann::json call_json(const genai::ToolCall& call) {
  return {{"function", {{"name", call.name}, {"arguments", nlohmann::json::parse(call.arguments_json, nullptr, false)}}}};
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

void ollama_error(Exchange& ex, const ApiError& e, const HeaderList& extra) {
  HeaderList headers = extra;
  if (e.retry_after) headers.emplace_back("Retry-After", std::to_string(e.retry_after->count()));
  ex.send(e.status, "application/json", dump(nlohmann::json{{"error", e.message}}), headers);
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() % 1000000000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:09d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ns);
}

bool NdjsonSink::content(std::string_view text) {
  return !stream_ || line(chat_ ? nlohmann::json{{"message", {{"role", "assistant"}, {"content", text}}}}
                                : nlohmann::json{{"response", text}});
}

bool NdjsonSink::reasoning(std::string_view text) {
  if (!stream_ || !thinking_) return true;
  return line(chat_ ? nlohmann::json{{"message", {{"role", "assistant"}, {"content", ""}, {"thinking", text}}}}
                    : nlohmann::json{{"response", ""}, {"thinking", text}});
}

bool NdjsonSink::tool_call(const genai::ToolCall& call, std::size_t) {
  if (!stream_ || !chat_) return true;
  return line({{"message", {{"role", "assistant"}, {"content", ""}, {"tool_calls", nlohmann::json::array({call_json(call)})}}}});
}

void NdjsonSink::finish(const TurnOutput& out) {
  if (out.client_gone) return;
  if (out.error && !ex_.answered()) return ollama_error(ex_, *out.error, headers_);
  if (out.error) {
    (void)line({{"error", out.error->message}});
    ex_.end_stream();
    return;
  }
  nlohmann::json last{{"done", true},
                      {"done_reason", out.finish_reason == "tool_calls" ? "stop" : out.finish_reason},
                      {"total_duration", ns(out.e2e)},
                      {"load_duration", 0},
                      {"prompt_eval_count", out.prompt_tokens - out.cached_tokens},  // (evaluated, as Ollama counts)
                      {"prompt_eval_duration", ns(out.stats.host_ttft)},
                      {"eval_count", out.completion_tokens},
                      {"eval_duration", ns(out.stats.host_decode)}};
  if (chat_) {
    nlohmann::json message{{"role", "assistant"}, {"content", stream_ ? std::string() : out.content}};
    if (!stream_ && thinking_ && !out.reasoning.empty()) message["thinking"] = out.reasoning;
    if (!stream_ && !out.tool_calls.empty()) {
      message["tool_calls"] = nlohmann::json::array();
      for (const auto& c : out.tool_calls) message["tool_calls"].push_back(call_json(c));
    }
    last["message"] = std::move(message);
  } else {
    last["response"] = stream_ ? std::string() : out.content;
    if (!stream_ && thinking_ && !out.reasoning.empty()) last["thinking"] = out.reasoning;
  }
  if (!stream_) {
    last["model"] = model_;
    last["created_at"] = rfc3339_now();
    return ex_.send(200, "application/json", dump(last), headers_);
  }
  (void)line(std::move(last));
  ex_.end_stream();
}

bool NdjsonSink::line(nlohmann::json j) {
  if (!started_) {
    started_ = true;
    if (!ex_.start_stream("application/x-ndjson", headers_)) return false;
  }
  nlohmann::json out{{"model", model_}, {"created_at", rfc3339_now()}};
  out.update(j);
  if (!out.contains("done")) out["done"] = false;
  return ex_.write(dump(out) + "\n");
}

}  // namespace npu::server
