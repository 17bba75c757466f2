#include "npu/server/server.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api_key.hpp"
#include "http_server.hpp"
#include "server_state.hpp"

namespace npu::server {

struct Server::Impl {
  std::unique_ptr<ServerState> state;
  std::unique_ptr<HttpServer> http;
};

void send_json(Exchange& ex, unsigned status, const nlohmann::json& body) {
  ex.send(status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void send_error(Exchange& ex, const ApiError& error) {
  HeaderList extra;
  if (error.retry_after) extra.emplace_back("Retry-After", std::to_string(error.retry_after->count()));
  if (error.status == 401) extra.emplace_back("WWW-Authenticate", "Bearer");
  ex.send(error.status, "application/json", error.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), extra);
}

ApiResult<ServedModel*> ServerState::find_model(const std::string& name) const {
  if (name.empty()) {
    if (models.size() == 1) return models.front().get();
    return api_fail(400, fmt::format("'model' is required: this server serves {} models (GET /v1/models)", models.size()),
                    "model", "model_required");
  }
  for (const auto& m : models) {
    if (m->name() == name) return m.get();
  }
  std::string known;
  for (const auto& m : models) known += (known.empty() ? "" : ", ") + m->name();
  return api_fail(404, fmt::format("The model `{}` does not exist. Served: {}", name, known), "model",
                  "model_not_found");
}

bool ServerState::release_idle_sessions(const ServedModel* except) {
  std::size_t released = 0;
  for (const auto& m : models) {
    if (m.get() != except) released += m->release_idle();
  }
  if (released > 0) spdlog::info("npu serve: dropped {} idle sessions of other models to make room on the device", released);
  return released > 0;
}

Expected<void> ServerState::device_ok() const {
  for (std::size_t d = 0; d < vdevice->device_count(); ++d) {
    auto s = vdevice->stats(d);
    if (!s) return fail(s.error());
  }
  return {};
}

namespace {

void dispatch(ServerState& state, const HttpRequest& req, Exchange& ex) {
  if (req.path != "/health" && !state.options.api_key.empty() &&
      !authorized(req.header("authorization"), state.options.api_key)) {
    return send_error(ex, ApiError{401, "invalid or missing API key: send the header 'Authorization: Bearer <key>'",
                                   {}, "invalid_api_key", {}});
  }
  if (handle_openai_route(state, req, ex) || handle_admin_route(state, req, ex) ||
      handle_ollama_route(state, req, ex)) {
    return;
  }
  if (req.path == "/" && (req.method == "GET" || req.method == "HEAD")) {
    ex.send(200, "text/plain", "npustack is running\n");  // Ollama clients probe the root
    return;
  }
  send_error(ex, ApiError{404, fmt::format("no route {} {}: see /v1/models, /v1/chat/completions, /v1/completions, "
                                           "/tokenize, /detokenize, /health, /metrics, /api/chat, /api/generate",
                                           req.method, req.path),
                          {}, "not_found", {}});
}

bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Expected<std::unique_ptr<Server>> Server::create(ServerOptions options) {
  if (options.models.empty()) return fail(ErrorCode::kInvalidArgument, "no model given: npu serve MODEL.npk [MODEL.npk ...]");
  if (options.served_model_names.size() > options.models.size()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("{} served model names for {} models: give at most one name per model, in order",
                            options.served_model_names.size(), options.models.size()));
  }
  auto impl = std::make_unique<Impl>();
  impl->state = std::make_unique<ServerState>(options);
  auto& state = *impl->state;
  NPU_TRY_ASSIGN(state.vdevice, VDevice::create(options.device));
  for (std::size_t i = 0; i < options.models.size(); ++i) {
    const auto& path = options.models[i];
    const std::string name =
        i < options.served_model_names.size() ? options.served_model_names[i] : path.stem().string();
    for (const auto& m : state.models) {
      if (m->name() == name) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("two models are served as '{}': name them apart with --served-model-name", name));
      }
    }
    auto llm = genai::LLM::create(*state.vdevice, {.model_path = path});
    if (!llm) return fail(llm.error().with_context(fmt::format("loading {}", path.string())));
    state.models.push_back(std::make_unique<ServedModel>(name, path.string(), std::move(*llm)));
    ServedModel* served = state.models.back().get();
    served->set_room_maker([&state, served] { return state.release_idle_sessions(served); });
  }
  std::optional<UpstreamClient> upstream;
  if (!options.upstream_url.empty()) {
    NPU_TRY_ASSIGN(auto url, parse_upstream_url(options.upstream_url));
    upstream.emplace(std::move(url), options.upstream_api_key, options.upstream_connect_timeout);
  } else if (options.route == RoutePolicy::kCloudFirst) {
    return fail(ErrorCode::kInvalidArgument, "--route cloud-first needs --upstream URL (the cloud server)");
  }
  state.router = std::make_unique<HybridRouter>(options.route, std::move(upstream), options.backend_cooldown);
  HttpLimits limits;
  limits.max_body_bytes = options.max_body_bytes;
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_connections = options.max_connections;
  limits.max_requests_per_connection = options.max_requests_per_connection;
  limits.request_timeout = options.request_timeout;
  auto* raw = impl->state.get();
  NPU_TRY_ASSIGN(impl->http, HttpServer::listen(options.host, options.port, limits,
                                                [raw](const HttpRequest& req, Exchange& ex) { dispatch(*raw, req, ex); },
                                                {{"X-NPU-Backend", "edge"}}));
  if (!loopback(options.host) && options.api_key.empty()) {
    spdlog::warn("npu serve: listening on {} without an API key: anyone who can reach this address can use the "
                 "device (set --api-key or --api-key-file, or bind 127.0.0.1)",
                 options.host);
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::port() const noexcept { return impl_->http->port(); }

std::string Server::url() const {
  const auto& host = impl_->state->options.host;
  return host.find(':') != std::string::npos ? fmt::format("http://[{}]:{}", host, port())
                                              : fmt::format("http://{}:{}", host, port());
}

std::vector<std::string> Server::model_names() const {
  std::vector<std::string> names;
  for (const auto& m : impl_->state->models) names.push_back(m->name());
  return names;
}

void Server::run() { impl_->http->run(); }
void Server::stop() noexcept { impl_->http->stop(); }

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void Server::run_until_signal() {
  block_stop_signals();
  std::atomic<bool> done{false};
  std::thread waiter([this, &done] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const timespec tick{0, 200'000'000};
    while (!done) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig > 0) {
        spdlog::info("npu serve: stopping (signal {})", sig);
        stop();
        return;
      }
    }
  });
  run();
  done = true;
  waiter.join();
}

}  // namespace npu::server
