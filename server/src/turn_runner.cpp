#include "turn_runner.hpp"

#include <time.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "chat_prompt.hpp"
#include "npu/genai/sampling_params.hpp"
#include "npu/genai/tool_call_parser.hpp"

namespace npu::server {

namespace {
using Clock = std::chrono::steady_clock;
constexpr unsigned kStartAgain = 1;  // (an internal status: start() found the device full)

std::chrono::nanoseconds thread_cpu_time() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

const char* finish_reason(genai::GenerationStatus status, bool tool_calls) {
  switch (status) {
    case genai::GenerationStatus::kMaxTokensReached: return "length";
    case genai::GenerationStatus::kAborted: return "abort";
    default: break;
  }
  return tool_calls ? "tool_calls" : "stop";
}
// The end of a generation whose prompt opened a tool call: the calls the model wrote, passed on;
// an answer cut by the token limit goes out as text (finish_reason "length"); anything else that
// is not a call (of the named function) is an error.
bool finish_forced_call(const std::string& text, genai::GenerationStatus status, const GenerationRequest& request,
                        TurnOutput& out, TurnSink& sink) {
  auto calls = genai::ToolCallParser::parse(text);
  if (!calls && status == genai::GenerationStatus::kMaxTokensReached) {
    out.content += text;
    return sink.content(text);
  }
  if (!calls || calls->empty()) {
    out.error = ApiError{500,
                         fmt::format("tool_choice requires a tool call, but the model wrote no valid one ({}): {}",
                                     calls ? std::string("an empty list") : calls.error().message(), text),
                         "tool_choice", "tool_call_failed", {}};
    return true;
  }
  for (auto& call : *calls) {
    if (request.forced_tool && call.name != *request.forced_tool) {
      out.error = ApiError{500,
                           fmt::format("tool_choice names '{}', but the model called '{}'", *request.forced_tool, call.name),
                           "tool_choice", "tool_call_failed", {}};
      return true;
    }
  }
  for (auto& call : *calls) {
    out.tool_calls.push_back(std::move(call));
    if (!sink.tool_call(out.tool_calls.back(), out.tool_calls.size() - 1)) return false;
  }
  return true;
}

}  // namespace

genai::GeneratorParams generator_params(const genai::LLM& llm, const GenerationRequest& request) {
  genai::GeneratorParams p = llm.default_params();
  if (!p.temperature && !p.top_k && !p.top_p && !p.min_p && !p.repetition_penalty) {
    if (auto preset = genai::sampling_preset(llm.info().name)) {
      p.temperature = preset->temperature;
      if (preset->top_k) p.top_k = std::max(0, *preset->top_k);
      p.top_p = preset->top_p;
      p.min_p = preset->min_p;
      p.repetition_penalty = preset->repetition_penalty;
    }
  }
  const auto& s = request.sampling;
  if (s.temperature) p.temperature = s.temperature;
  if (s.top_k) p.top_k = static_cast<std::int32_t>(std::min<std::uint32_t>(*s.top_k, 1u << 20));
  if (s.top_p) p.top_p = s.top_p;
  if (s.min_p) p.min_p = s.min_p;
  if (s.repetition_penalty) p.repetition_penalty = s.repetition_penalty;
  if (s.seed) p.seed = s.seed;
  // (not part of a preset: they apply with it; greedy requests with them sample on the host)
  p.presence_penalty = s.presence_penalty;
  p.frequency_penalty = s.frequency_penalty;
  p.greedy = p.temperature && *p.temperature == 0.0f;
  p.max_generated_tokens = request.max_tokens;
  p.stop_strings = request.stop;
  p.ignore_end_tokens = request.ignore_eos;
  p.show_reasoning = true;
  return p;
}

TurnOutput run_turn(ServedModel& model, Admission& admission, Metrics& metrics, const GenerationRequest& request,
                    TurnSink& sink, const TurnOptions& options) {
  const auto arrived = Clock::now();
  TurnOutput out;
  auto finish = [&](std::string reason) {
    out.finish_reason = std::move(reason);
    out.e2e = Clock::now() - arrived;
    return std::move(out);
  };
  auto ticket = admission.enter([&sink] { return !sink.alive(); }, out.queue);
  if (!ticket) {
    out.client_gone = ticket.error().status == 0;
    out.error = ticket.error();
    return finish("abort");
  }
  // A session and its generation. When the device has no room for one more session's contexts
  // while other requests of this model hold theirs, the request waits for one of those sessions
  // and starts again (nothing has reached the client yet).
  // What the session runs: the whole prompt as tokens, through the prompt cache (the session
  // whose context shares the most with it keeps that part and runs the rest) — or, where the
  // model's runtime renders and tokenizes itself (HailoRT), the messages or text as they are on
  // an emptied session.
  const genai::LLM& base = model.base();
  const bool own_text = template_inside_backend(base);
  std::vector<genai::TokenId> prompt_tokens, stop_tokens;
  auto prepare = [&]() -> std::optional<ApiError> {
    if (own_text) return request.chat ? refuse_prompt_fields(base, request) : std::nullopt;
    if (request.chat) {
      auto prompt = render_chat(base, request);
      if (!prompt) return prompt.error();
      prompt_tokens = std::move(prompt->tokens);
      if (request.tool_call_required) {
        // The prompt opens the call; the model writes it and its closing token ends the answer.
        auto opening = tool_call_opening(base);
        if (!opening) return opening.error();
        prompt_tokens.push_back(*opening);
        if (auto closing = base.tokenizer().value()->token_id("<|tool_call_end|>")) stop_tokens.push_back(*closing);
      }
    } else if (!request.prompt_tokens.empty()) {
      prompt_tokens = request.prompt_tokens;
    } else {
      auto tokens = base.tokenize(request.prompt);  // (as a new session's prompt: BOS first)
      if (!tokens) return from_runtime_error(tokens.error(), "prompt");
      prompt_tokens = std::move(*tokens);
    }
    return std::nullopt;
  };
  if (auto e = prepare()) {
    out.error = std::move(e);
    return finish("error");
  }
  // A session and its generation. When the device has no room for one more session's contexts
  // while other requests of this model hold theirs, the request waits for one of those sessions
  // and starts again (nothing has reached the client yet).
  std::optional<ServedModel::Lease> lease;
  std::optional<genai::Generator> gen;
  const std::string param = request.chat ? "messages" : "prompt";
  auto start = [&]() -> std::optional<ApiError> {
    gen.reset();
    lease.reset();
    auto leased = model.acquire([&sink] { return !sink.alive(); }, prompt_tokens);
    if (!leased && leased.error().code() == ErrorCode::kAborted) return ApiError{0, "client gone", {}, {}, {}};
    if (!leased) return from_runtime_error(leased.error());
    lease.emplace(std::move(*leased));
    genai::LLM& llm = lease->llm();
    auto params = generator_params(llm, request);
    params.stop_tokens.insert(params.stop_tokens.end(), stop_tokens.begin(), stop_tokens.end());
    Expected<genai::Generator> started = fail(ErrorCode::kInternal, "no prompt");
    if (!own_text) {
      started = llm.generate_cached(std::span<const genai::TokenId>(prompt_tokens), params);
      if (started) lease->set_prompt(prompt_tokens);
    } else if (request.chat) {
      started = llm.generate(std::span<const genai::ChatMessage>(request.messages), params,
                             std::span<const std::string>(request.tools_json));
    } else if (!request.prompt_tokens.empty()) {
      started = llm.generate(std::span<const genai::TokenId>(request.prompt_tokens), params);
    } else {
      started = llm.generate(request.prompt, params);
    }
    if (!started && started.error().code() == ErrorCode::kBusy && model.note_device_full()) {
      return ApiError{kStartAgain, {}, {}, {}, {}};  // the device is full: wait for a session
    }
    if (!started) {
      ApiError e = from_runtime_error(started.error(), param);
      if (e.status == 400 && started.error().message().find("context") != std::string::npos) e.code = "context_length_exceeded";
      return e;
    }
    gen.emplace(std::move(*started));
    return std::nullopt;
  };
  auto start_when_room = [&] {
    std::optional<ApiError> e;
    do e = start();
    while (e && e->status == kStartAgain);
    return e;
  };
  if (auto e = start_when_room()) {
    out.client_gone = e->status == 0;
    out.error = std::move(e);
    return finish(out.client_gone ? "abort" : "error");
  }
  RequestFigures figures;
  figures.model = model.name();
  figures.queue = out.queue;
  auto last_token = Clock::now();
  bool first = true;
  auto tick = [&] {
    const auto now = Clock::now();
    if (first) {
      out.ttft = now - arrived;
      first = false;
    } else {
      figures.inter_token_s.push_back(std::chrono::duration<double>(now - last_token).count());
    }
    last_token = now;
  };
  auto quiet_since = Clock::now();
  genai::GenerationStatus status = genai::GenerationStatus::kGenerating;
  bool open = true;  // the client is still there
  std::string forced_call;  // tool_call_required: what the model wrote after the opened call
  bool sink_used = false;   // an event went to the client (then the request cannot start again)
  while (true) {
    auto ev = gen->read(std::chrono::milliseconds(50));
    if (!ev) {
      if (ev.error().code() == ErrorCode::kTimeout) {
        if (!sink.alive()) {
          open = false;
          gen->abort();
          continue;  // read on until kEnd
        }
        if (Clock::now() - quiet_since >= options.keepalive) {
          quiet_since = Clock::now();
          if (!sink.idle()) {
            open = false;
            gen->abort();
          }
        }
        continue;
      }
      if (ev.error().code() == ErrorCode::kBusy && first && !sink_used && model.note_device_full()) {
        if (auto e = start_when_room()) {
          out.client_gone = e->status == 0;
          out.error = std::move(e);
          return finish(out.client_gone ? "abort" : "error");
        }
        continue;
      }
      out.error = from_runtime_error(ev.error());
      status = genai::GenerationStatus::kFailed;
      break;
    }
    const auto handed_at = Clock::now();
    const auto handed_cpu = thread_cpu_time();
    sink_used = sink_used || (ev->kind != genai::OutputKind::kStatus && ev->kind != genai::OutputKind::kRecovery);
    const bool buffered = request.tool_call_required && ev->kind == genai::OutputKind::kContent;
    if (!buffered) quiet_since = handed_at;  // (keep-alives go on while a forced call is written)
    bool ok = true;
    switch (ev->kind) {
      case genai::OutputKind::kEnd: status = ev->status; break;
      case genai::OutputKind::kStatus: break;
      case genai::OutputKind::kRecovery: spdlog::warn("{}", ev->text); break;
      case genai::OutputKind::kReasoning:
        if (ev->token >= 0) tick();
        if (!ev->text.empty()) {
          out.reasoning += ev->text;
          if (open) ok = sink.reasoning(ev->text);
        }
        break;
      case genai::OutputKind::kContent:
        if (ev->token >= 0) tick();
        if (buffered) {
          forced_call += ev->text;
        } else if (!ev->text.empty()) {
          out.content += ev->text;
          if (open) ok = sink.content(ev->text);
        }
        break;
      case genai::OutputKind::kToolCall: {
        tick();
        auto call_json = nlohmann::json::parse(ev->text, nullptr, false);
        genai::ToolCall call;
        if (call_json.is_object() && call_json.contains("name") && call_json["name"].is_string()) {
          call.name = call_json["name"].get<std::string>();
          const auto args = call_json.find("arguments");
          call.arguments_json = args != call_json.end() ? args->dump() : "{}";
        } else {
          call.name = ev->text;  // (the runtime's JSON always parses; kept verbatim if not)
        }
        out.tool_calls.push_back(call);
        if (open) ok = sink.tool_call(call, out.tool_calls.size() - 1);
        break;
      }
    }
    if (ev->kind == genai::OutputKind::kEnd && request.tool_call_required && !out.error && open) {
      ok = finish_forced_call(forced_call, status, request, out, sink);
    }
    out.sink_time += Clock::now() - handed_at;
    out.sink_cpu_time += thread_cpu_time() - handed_cpu;
    if (ev->kind == genai::OutputKind::kEnd) break;
    if (open && !ok) {
      open = false;
      gen->abort();
    }
  }
  out.stats = gen->stats();
  out.prompt_tokens = out.stats.prompt_tokens + out.stats.cached_tokens;  // (the whole prompt)
  out.cached_tokens = out.stats.cached_tokens;
  out.completion_tokens = out.stats.generated_tokens;
  out.client_gone = !open;
  auto result = finish(out.error ? "error" : finish_reason(status, !out.tool_calls.empty()));
  figures.finish_reason = result.client_gone ? "abort" : result.finish_reason;
  figures.prompt_tokens = result.prompt_tokens;
  figures.generation_tokens = result.completion_tokens;
  figures.ttft = result.ttft;
  figures.e2e = result.e2e;
  figures.stats = result.stats;
  figures.sink_time = result.sink_time;
  figures.sink_cpu_time = result.sink_cpu_time;
  metrics.record(figures);
  return result;
}

}  // namespace npu::server
