// Ollama's API, the subset Ollama clients and Open WebUI use: GET /api/version, /api/tags,
// /api/ps, POST /api/show, /api/chat and /api/generate (NDJSON streaming, message.thinking, tool
// calls with object arguments, done_reason, durations in nanoseconds). Errors are Ollama's
// {"error": "..."} with the HTTP status.
#include <chrono>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "json_fields.hpp"
#include "npu/genai/tokenizer.hpp"
#include "ollama_request.hpp"
#include "ollama_stream.hpp"
#include "ollama_upstream.hpp"
#include "server_state.hpp"
#include "hybrid_router.hpp"
#include "turn_runner.hpp"

namespace npu::server {

namespace {

constexpr const char* kOllamaVersion = "0.9.0";  // the Ollama API level these routes follow

std::string rfc3339(std::time_t t) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(t)); }

std::string digest_of(const ServedModel& m) {
  // A stable id of the served file (name, size, path), in Ollama's sha256-looking form.
  const auto h = std::hash<std::string>{}(m.path() + "\n" + m.name());
  return fmt::format("{:016x}{:016x}{:016x}{:016x}", h, h ^ m.info().weights_bytes, h * 31, m.info().vocab);
}

nlohmann::json details(const ServedModel& m) {
  return {{"parent_model", ""},
          {"format", "npk"},
          {"family", m.info().architecture},
          {"families", nlohmann::json::array({m.info().architecture})},
          {"parameter_size", ""},
          {"quantization_level", "npu"}};
}

nlohmann::json model_entry(const ServedModel& m) {
  return {{"name", m.name()},
          {"model", m.name()},
          {"modified_at", rfc3339(m.created())},
          {"size", m.info().weights_bytes},
          {"digest", digest_of(m)},
          {"details", details(m)}};
}

ApiResult<ServedModel*> find(ServerState& state, const std::string& name) {
  return state.find_model(strip_ollama_tag(name));
}

// A generation through the hybrid router, as the OpenAI routes go: the device, or the upstream
// (asked in OpenAI's API, its answer translated back) when the device cannot take it.
void generate(ServerState& state, const HttpRequest& req, Exchange& ex, bool chat) {
  auto parsed = chat ? parse_ollama_chat(req.body) : parse_ollama_generate(req.body);
  if (!parsed) return ollama_error(ex, parsed.error());
  auto& request = parsed->request;
  if (request.model.empty()) return ollama_error(ex, bad_request("'model' is required", "model"));
  request.model = strip_ollama_tag(request.model);
  auto model = find(state, request.model);
  if (parsed->load_only) {
    if (!model) return ollama_error(ex, model.error());
    nlohmann::json j{{"model", (*model)->name()}, {"created_at", rfc3339_now()}, {"done", true}, {"done_reason", "load"}};
    if (chat) j["message"] = {{"role", "assistant"}, {"content", ""}};
    else j["response"] = "";
    return ex.send(200, "application/json", j.dump());
  }
  std::optional<ApiError> edge_error;
  if (!model) edge_error = model.error();
  const std::string name = model ? (*model)->name() : request.model;
  auto edge = [&]() -> std::optional<ApiError> {
    NdjsonSink sink(ex, name, chat, request.stream, parsed->show_thinking);
    auto out = run_turn(**model, state.admission, state.metrics, request, sink,
                        TurnOptions{.keepalive = state.options.keepalive_interval});
    if (out.error && !out.client_gone && !ex.answered()) return out.error;  // the router answers it
    sink.finish(out);
    return std::nullopt;
  };
  const HttpRequest upstream{"POST", request.chat ? "/v1/chat/completions" : "/v1/completions", "", {},
                             openai_body(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  OllamaFromOpenAi translated(ex, name, chat, request.chat, request.stream, parsed->show_thinking);
  state.router->route(upstream, translated, edge, edge_error);
}

void show(ServerState& state, const HttpRequest& req, Exchange& ex) {
  auto obj = parse_json_object(req.body);
  if (!obj) return ollama_error(ex, obj.error());
  auto name = string_field(*obj, "model");
  if (!name) return ollama_error(ex, name.error());
  std::string n = name->value_or("");
  if (n.empty()) {
    auto legacy = string_field(*obj, "name");
    if (legacy && *legacy) n = **legacy;
  }
  auto model = find(state, n);
  if (!model) return ollama_error(ex, model.error());
  const auto& info = (*model)->info();
  nlohmann::json capabilities = nlohmann::json::array({"completion"});
  if (auto tok = (*model)->base().tokenizer(); tok) {
    if ((*tok)->token_id("<|tool_call_start|>")) capabilities.push_back("tools");
    if ((*tok)->token_id("<think>")) capabilities.push_back("thinking");
  }
  nlohmann::json model_info{{"general.architecture", info.architecture},
                            {"general.name", info.name},
                            {info.architecture + ".context_length", info.context_length},
                            {info.architecture + ".vocab_size", info.vocab}};
  const auto defaults = (*model)->base().default_params();
  std::string parameters;
  if (defaults.temperature) parameters += fmt::format("temperature {}\n", *defaults.temperature);
  if (defaults.top_k) parameters += fmt::format("top_k {}\n", *defaults.top_k);
  if (defaults.top_p) parameters += fmt::format("top_p {}\n", *defaults.top_p);
  if (defaults.repetition_penalty) parameters += fmt::format("repeat_penalty {}\n", *defaults.repetition_penalty);
  std::string tmpl;
  if (auto tok = (*model)->base().tokenizer(); tok) tmpl = (*tok)->chat_template();
  send_json(ex, 200, {{"modelfile", fmt::format("FROM {}\n", (*model)->path())},
                      {"parameters", parameters},
                      {"template", tmpl},
                      {"details", details(**model)},
                      {"model_info", model_info},
                      {"capabilities", capabilities},
                      {"modified_at", rfc3339((*model)->created())}});
}

}  // namespace

bool handle_ollama_route(ServerState& state, const HttpRequest& req, Exchange& ex) {
  const auto& p = req.path;
  if (!p.starts_with("/api/")) return false;
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  auto wrong_method = [&](const char* m) {
    ollama_error(ex, ApiError{405, fmt::format("use {} {}", m, p), {}, "method_not_allowed", {}});
  };
  if (p == "/api/version") {
    get ? send_json(ex, 200, {{"version", kOllamaVersion}}) : wrong_method("GET");
  } else if (p == "/api/tags") {
    if (!get) return wrong_method("GET"), true;
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : state.models) models.push_back(model_entry(*m));
    send_json(ex, 200, {{"models", models}});
  } else if (p == "/api/ps") {
    if (!get) return wrong_method("GET"), true;
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : state.models) {
      auto e = model_entry(*m);
      e.erase("modified_at");
      e["expires_at"] = "2262-01-01T00:00:00Z";  // loaded for the server's lifetime
      e["size_vram"] = m->info().weights_bytes;  // device memory
      e["context_length"] = m->info().context_length;
      models.push_back(std::move(e));
    }
    send_json(ex, 200, {{"models", models}});
  } else if (p == "/api/show") {
    post ? show(state, req, ex) : wrong_method("POST");
  } else if (p == "/api/chat" || p == "/api/generate") {
    post ? generate(state, req, ex, p == "/api/chat") : wrong_method("POST");
  } else {
    ollama_error(ex, ApiError{404, fmt::format("no route {} {}: this server has /api/version, /api/tags, /api/ps, "
                                               "/api/show, /api/chat, /api/generate",
                                               req.method, p),
                              {}, "not_found", {}});
  }
  return true;
}

}  // namespace npu::server
