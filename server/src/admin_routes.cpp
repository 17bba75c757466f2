// Routes around generation: GET /health, GET /metrics (Prometheus text), POST /tokenize and
// POST /detokenize (vLLM's schema), GET /version.
#include <fmt/format.h>

#include "json_fields.hpp"
#include "chat_prompt.hpp"
#include "npu/genai/tokenizer.hpp"
#include "openai_request.hpp"
#include "server_state.hpp"

namespace npu::server {

namespace {

// The device's own counters (modeled on the simulator) as Prometheus lines.
std::string device_metrics(ServerState& state) {
  std::string out;
  auto& vd = *state.vdevice;
  auto head = [&out](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  head("npu:device_up", "gauge", "1 while the device answers, 0 when it is lost or failing.");
  std::string lines;
  for (std::size_t d = 0; d < vd.device_count(); ++d) {
    auto stats = vd.stats(d);
    out += fmt::format("npu:device_up{{device=\"{}\"}} {}\n", d, stats ? 1 : 0);
    if (!stats) {
      continue;
    }
    const double hz = vd.identity(d).clock_khz * 1000.0;
    auto line = [&lines, d](const char* name, double value) {
      lines += fmt::format("{}{{device=\"{}\"}} {}\n", name, d, value);
    };
    line("npu:device_busy_seconds_total", hz > 0 ? stats->busy_cycles / hz : 0.0);
    line("npu:device_seconds_total", hz > 0 ? stats->cycles / hz : 0.0);
    line("npu:device_runs_total", static_cast<double>(stats->runs));
    line("npu:device_context_switches_total", static_cast<double>(stats->context_switches));
    line("npu:device_ddr_bytes_total", static_cast<double>(stats->ddr_bytes));
    line("npu:device_energy_joules", stats->energy_j);
    line("npu:device_resets_total", static_cast<double>(stats->resets));
    line("npu:device_memory_free_bytes", static_cast<double>(stats->device_memory_free));
  }
  if (!lines.empty()) {
    out += "# HELP npu:device_busy_seconds_total Device time spent running (modeled on the simulator).\n";
    out += "# TYPE npu:device_busy_seconds_total counter\n";
    out += lines;
  }
  const auto sched = vd.scheduler_stats();
  head("npu:scheduler_model_switches_total", "counter", "Consecutive device jobs from different sessions or models.");
  out += fmt::format("npu:scheduler_model_switches_total {}\n", sched.model_switches);
  return out;
}

// The body of a /tokenize or /detokenize request, the model it names and that model's tokenizer.
struct TokenizerRequest {
  nlohmann::json body;
  ServedModel* model = nullptr;
  const genai::Tokenizer* tokenizer = nullptr;
};

ApiResult<TokenizerRequest> tokenizer_request(ServerState& state, const HttpRequest& req) {
  TokenizerRequest out;
  auto obj = parse_json_object(req.body);
  if (!obj) return std::unexpected(obj.error());
  out.body = std::move(*obj);
  auto name = string_field(out.body, "model");
  if (!name) return std::unexpected(name.error());
  auto model = state.find_model(name->value_or(""));
  if (!model) return std::unexpected(model.error());
  out.model = *model;
  auto tok = out.model->base().tokenizer();
  if (!tok) return std::unexpected(from_runtime_error(tok.error()));
  out.tokenizer = *tok;
  return out;
}

void tokenize(ServerState& state, const HttpRequest& req, Exchange& ex) {
  auto r = tokenizer_request(state, req);
  if (!r) return send_error(ex, r.error());
  const nlohmann::json* obj = &r->body;
  if (obj->contains("messages")) {
    // A chat, rendered as a generation renders it (tools, chat_template_kwargs).
    if (obj->contains("prompt")) return send_error(ex, bad_request("give 'prompt' or 'messages', not both", "prompt"));
    auto chat = parse_chat_request(req.body);
    if (!chat) return send_error(ex, chat.error());
    auto add_prompt = bool_field(*obj, "add_generation_prompt");
    if (!add_prompt) return send_error(ex, add_prompt.error());
    auto rendered = render_chat(r->model->base(), *chat, add_prompt->value_or(true));
    if (!rendered) return send_error(ex, rendered.error());
    return send_json(ex, 200, {{"count", rendered->tokens.size()},
                               {"max_model_len", r->model->info().context_length},
                               {"tokens", rendered->tokens},
                               {"token_strs", nullptr}});
  }
  auto prompt = string_field(*obj, "prompt");
  if (!prompt) return send_error(ex, prompt.error());
  if (!*prompt) return send_error(ex, bad_request("'prompt' is required: the text to tokenize", "prompt"));
  auto add_special = bool_field(*obj, "add_special_tokens");
  if (!add_special) return send_error(ex, add_special.error());
  auto ids = r->tokenizer->encode(**prompt, genai::EncodeOptions{.add_special = add_special->value_or(true)});
  if (!ids) return send_error(ex, from_runtime_error(ids.error(), "prompt"));
  send_json(ex, 200, {{"count", ids->size()},
                      {"max_model_len", r->model->info().context_length},
                      {"tokens", *ids},
                      {"token_strs", nullptr}});
}

void detokenize(ServerState& state, const HttpRequest& req, Exchange& ex) {
  auto r = tokenizer_request(state, req);
  if (!r) return send_error(ex, r.error());
  auto it = r->body.find("tokens");
  if (it == r->body.end() || !it->is_array()) {
    return send_error(ex, bad_request("'tokens' must be an array of token ids", "tokens"));
  }
  const genai::Tokenizer* tok = r->tokenizer;
  std::vector<genai::TokenId> ids;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& t = (*it)[i];
    if (!t.is_number_integer() || !tok->valid(static_cast<genai::TokenId>(t.get<std::int64_t>())) ||
        t.get<std::int64_t>() > std::numeric_limits<genai::TokenId>::max()) {
      return send_error(ex, bad_request(fmt::format("'tokens[{}]' is not a token id of this model (0..{})", i,
                                                    tok->vocab_size() - 1),
                                        "tokens"));
    }
    ids.push_back(static_cast<genai::TokenId>(t.get<std::int64_t>()));
  }
  auto text = tok->decode(ids);
  if (!text) return send_error(ex, from_runtime_error(text.error(), "tokens"));
  send_json(ex, 200, {{"prompt", *text}});
}

}  // namespace

bool handle_admin_route(ServerState& state, const HttpRequest& req, Exchange& ex) {
  const auto& p = req.path;
  auto only = [&](const char* method) {
    if (req.method == method || (std::string_view(method) == "GET" && req.method == "HEAD")) return true;
    send_error(ex, ApiError{405, fmt::format("use {} {}", method, p), {}, "method_not_allowed", {}});
    return false;
  };
  if (p == "/health") {
    if (!only("GET")) return true;
    if (auto ok = state.device_ok(); !ok) {
      send_error(ex, ApiError{503, "the NPU is not available: " + ok.error().what(), {}, "device_lost", std::chrono::seconds(30)});
    } else {
      ex.send(200, "text/plain", "");
    }
    return true;
  }
  if (p == "/metrics") {
    if (only("GET")) {
      std::string extra = device_metrics(state);
      if (state.router->has_upstream()) extra += state.router->metrics();
      ex.send(200, "text/plain; version=0.0.4; charset=utf-8",
              state.metrics.render(state.admission.running(), state.admission.waiting(), extra));
    }
    return true;
  }
  if (p == "/version") {
    if (only("GET")) send_json(ex, 200, {{"version", NPU_SERVER_VERSION}});
    return true;
  }
  if (p == "/tokenize") {
    if (only("POST")) tokenize(state, req, ex);
    return true;
  }
  if (p == "/detokenize") {
    if (only("POST")) detokenize(state, req, ex);
    return true;
  }
  return false;
}

}  // namespace npu::server
