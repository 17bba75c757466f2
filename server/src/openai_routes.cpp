// OpenAI-compatible routes: GET /v1/models, POST /v1/chat/completions, POST /v1/completions, each
// streamed as Server-Sent Events the way vLLM streams them, or whole.
#include <fmt/format.h>

#include "openai_request.hpp"
#include "openai_response.hpp"
#include "server_state.hpp"

namespace npu::server {

namespace {

// Streams a generation as SSE: "data: {chunk}\n\n" lines, ": keep-alive" comments while the
// device is quiet, "data: [DONE]" last. The headers go out with the first event, so an error met
// before it is still answered with its own status code.
class SseSink final : public TurnSink {
 public:
  SseSink(Exchange& ex, CompletionIds ids, bool chat) : ex_(ex), ids_(std::move(ids)), chat_(chat) {}

  bool content(std::string_view text) override {
    return start() && event(chat_ ? chat_chunk(ids_, {{"content", text}}) : text_chunk(ids_, text));
  }
  bool reasoning(std::string_view text) override {
    if (!chat_) return true;  // a text completion carries the answer only
    return start() && event(chat_chunk(ids_, reasoning_delta(text)));
  }
  bool tool_call(const genai::ToolCall& call, std::size_t index) override {
    if (!start()) return false;
    if (!chat_) return event(text_chunk(ids_, nlohmann::json{{"name", call.name}, {"arguments", nlohmann::json::parse(call.arguments_json, nullptr, false)}}.dump()));
    tool_ids_.push_back(random_id("chatcmpl-tool-"));
    // First the call's identity with empty arguments, then the arguments (as vLLM streams them).
    nlohmann::json head{{"index", index}, {"id", tool_ids_.back()}, {"type", "function"},
                        {"function", {{"name", call.name}, {"arguments", ""}}}};
    nlohmann::json args{{"index", index}, {"function", {{"arguments", call.arguments_json}}}};
    return event(chat_chunk(ids_, {{"tool_calls", nlohmann::json::array({head})}})) &&
           event(chat_chunk(ids_, {{"tool_calls", nlohmann::json::array({args})}}));
  }
  bool idle() override { return start() && ex_.write(": keep-alive\n\n"); }
  bool alive() override { return ex_.alive(); }

  // The end of a stream that started; an error before anything was sent is returned instead.
  [[nodiscard]] std::optional<ApiError> finish(const TurnOutput& out, bool include_usage) {
    if (out.client_gone) return std::nullopt;
    if (out.error && !ex_.answered()) return out.error;
    if (!start()) return std::nullopt;
    if (out.error) {
      (void)event(out.error->to_json());
    } else {
      (void)event(chat_ ? chat_chunk(ids_, nlohmann::json::object(), out.finish_reason)
                        : text_chunk(ids_, "", out.finish_reason));
      if (include_usage) (void)event(usage_chunk(ids_, chat_, out));
    }
    (void)ex_.write("data: [DONE]\n\n");
    ex_.end_stream();
    return std::nullopt;
  }

 private:
  bool start() {
    if (started_) return true;
    started_ = true;
    if (!ex_.start_stream("text/event-stream")) return false;
    if (chat_) return event(chat_chunk(ids_, {{"role", "assistant"}, {"content", ""}}));
    return true;
  }
  bool event(const nlohmann::json& j) {
    return ex_.write("data: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n");
  }

  Exchange& ex_;
  CompletionIds ids_;
  bool chat_;
  bool started_ = false;
  std::vector<std::string> tool_ids_;
};

// A whole text completion collects the answer with its tool calls' JSON in order.
class TextSink final : public TurnSink {
 public:
  explicit TextSink(Exchange& ex) : ex_(ex) {}
  bool content(std::string_view text) override { return text_ += text, true; }
  bool reasoning(std::string_view) override { return true; }
  bool tool_call(const genai::ToolCall& call, std::size_t) override {
    text_ += nlohmann::json{{"name", call.name}, {"arguments", nlohmann::json::parse(call.arguments_json, nullptr, false)}}.dump();
    return true;
  }
  bool idle() override { return ex_.alive(); }
  bool alive() override { return ex_.alive(); }
  std::string text_;

 private:
  Exchange& ex_;
};

void models(ServerState& state, Exchange& ex) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& m : state.models) {
    data.push_back({{"id", m->name()},
                    {"object", "model"},
                    {"created", m->created()},
                    {"owned_by", "npustack"},
                    {"root", m->path()},
                    {"parent", nullptr},
                    {"max_model_len", m->info().context_length},
                    {"permission", nlohmann::json::array()}});
  }
  send_json(ex, 200, {{"object", "list"}, {"data", std::move(data)}});
}

// One request on the device. An error met before anything was sent is returned (the router
// answers it, or tries the upstream); everything else is answered here.
std::optional<ApiError> serve_on_edge(ServerState& state, ServedModel& model, const GenerationRequest& request,
                                      Exchange& ex) {
  const bool chat = request.chat;
  CompletionIds ids{random_id(chat ? "chatcmpl-" : "cmpl-"), model.name(), std::time(nullptr)};
  const TurnOptions options{.keepalive = state.options.keepalive_interval};
  if (request.stream) {
    SseSink sink(ex, ids, chat);
    auto out = run_turn(model, state.admission, state.metrics, request, sink, options);
    return sink.finish(out, request.include_usage);
  }
  TextSink text(ex);
  auto out = run_turn(model, state.admission, state.metrics, request, text, options);
  if (out.client_gone) return std::nullopt;
  if (out.error) return out.error;
  if (!chat) {
    out.content = std::move(text.text_);
    send_json(ex, 200, text_completion(ids, out));
    return std::nullopt;
  }
  std::vector<std::string> tool_ids;
  for (std::size_t i = 0; i < out.tool_calls.size(); ++i) tool_ids.push_back(random_id("chatcmpl-tool-"));
  send_json(ex, 200, chat_completion(ids, out, tool_ids));
  return std::nullopt;
}

void generate(ServerState& state, const HttpRequest& req, Exchange& ex, bool chat) {
  auto request = chat ? parse_chat_request(req.body) : parse_completion_request(req.body);
  if (!request) return send_error(ex, request.error());
  auto model = state.find_model(request->model);
  std::optional<ApiError> edge_error;
  if (!model) edge_error = model.error();
  state.router->route(req, ex, [&]() { return serve_on_edge(state, **model, *request, ex); }, edge_error);
}

}  // namespace

bool handle_openai_route(ServerState& state, const HttpRequest& req, Exchange& ex) {
  const bool get = req.method == "GET", post = req.method == "POST";
  if (req.path == "/v1/models") {
    if (!get) return send_error(ex, ApiError{405, "use GET /v1/models", {}, "method_not_allowed", {}}), true;
    models(state, ex);
    return true;
  }
  if (req.path == "/v1/chat/completions" || req.path == "/v1/completions") {
    if (!post) return send_error(ex, ApiError{405, fmt::format("use POST {}", req.path), {}, "method_not_allowed", {}}), true;
    generate(state, req, ex, req.path == "/v1/chat/completions");
    return true;
  }
  return false;
}

}  // namespace npu::server
