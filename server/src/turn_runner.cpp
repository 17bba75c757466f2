#include "turn_runner.hpp"

#include "npu/genai/sampling_params.hpp"

namespace npu::server {

namespace {
using Clock = std::chrono::steady_clock;

const char* finish_reason(genai::GenerationStatus status, bool tool_calls) {
  switch (status) {
    case genai::GenerationStatus::kMaxTokensReached: return "length";
    case genai::GenerationStatus::kAborted: return "abort";
    default: break;
  }
  return tool_calls ? "tool_calls" : "stop";
}
}  // namespace

genai::GeneratorParams generator_params(const genai::LLM& llm, const GenerationRequest& request) {
  genai::GeneratorParams p = llm.default_params();
  if (!p.temperature && !p.top_k && !p.top_p && !p.min_p && !p.repetition_penalty) {
    if (auto preset = genai::sampling_preset(llm.info().name)) {
      p.temperature = preset->temperature;
      if (preset->top_k) p.top_k = static_cast<std::uint32_t>(std::max(0, *preset->top_k));
      p.top_p = preset->top_p;
      p.min_p = preset->min_p;
      p.repetition_penalty = preset->repetition_penalty;
    }
  }
  const auto& s = request.sampling;
  if (s.temperature) p.temperature = s.temperature;
  if (s.top_k) p.top_k = s.top_k;
  if (s.top_p) p.top_p = s.top_p;
  if (s.min_p) p.min_p = s.min_p;
  if (s.repetition_penalty) p.repetition_penalty = s.repetition_penalty;
  if (s.seed) p.seed = s.seed;
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
  auto lease = model.acquire();
  if (!lease) {
    out.error = from_runtime_error(lease.error());
    return finish("error");
  }
  genai::LLM& llm = lease->llm();
  const auto params = generator_params(llm, request);
  const std::string param = request.chat ? "messages" : "prompt";
  Expected<genai::Generator> gen = [&]() -> Expected<genai::Generator> {
    if (request.chat) {
      return llm.generate(std::span<const genai::ChatMessage>(request.messages), params,
                          std::span<const std::string>(request.tools_json));
    }
    if (!request.prompt_tokens.empty()) return llm.generate(std::span<const genai::TokenId>(request.prompt_tokens), params);
    return llm.generate(request.prompt, params);
  }();
  if (!gen) {
    out.error = from_runtime_error(gen.error(), param);
    if (out.error->status == 400 && gen.error().message().find("context") != std::string::npos) {
      out.error->code = "context_length_exceeded";
    }
    return finish("error");
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
      out.error = from_runtime_error(ev.error());
      status = genai::GenerationStatus::kFailed;
      break;
    }
    quiet_since = Clock::now();
    const auto handed_at = quiet_since;
    bool ok = true;
    switch (ev->kind) {
      case genai::OutputKind::kEnd: status = ev->status; break;
      case genai::OutputKind::kStatus: break;
      case genai::OutputKind::kReasoning:
        if (ev->token >= 0) tick();
        if (!ev->text.empty()) {
          out.reasoning += ev->text;
          if (open) ok = sink.reasoning(ev->text);
        }
        break;
      case genai::OutputKind::kContent:
        if (ev->token >= 0) tick();
        if (!ev->text.empty()) {
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
    out.sink_time += Clock::now() - handed_at;
    if (ev->kind == genai::OutputKind::kEnd) break;
    if (open && !ok) {
      open = false;
      gen->abort();
    }
  }
  out.stats = gen->stats();
  out.prompt_tokens = out.stats.prompt_tokens;
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
  metrics.record(figures);
  return result;
}

}  // namespace npu::server
