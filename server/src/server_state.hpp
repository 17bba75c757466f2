// What the routes share: the device, the served models, admission, metrics and the options.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "admission.hpp"
#include "api_error.hpp"
#include "http_exchange.hpp"
#include "hybrid_router.hpp"
#include "metrics.hpp"
#include "npu/server/server.hpp"
#include "served_model.hpp"

namespace npu::server {

struct ServerState {
  ServerState(ServerOptions opts) : options(std::move(opts)), admission(options.max_concurrency, options.max_queue) {}

  ServerOptions options;
  std::unique_ptr<VDevice> vdevice;
  std::vector<std::unique_ptr<ServedModel>> models;
  Admission admission;
  Metrics metrics;
  std::unique_ptr<HybridRouter> router;  // edge only without an upstream

  // The model a request names; with one model served, an empty name means it. 404 (or 400 when
  // the name is missing and several are served) otherwise.
  [[nodiscard]] ApiResult<ServedModel*> find_model(const std::string& name) const;
  // Drops the idle sessions of every model but `except` (freeing their device contexts for it);
  // true when there were any.
  bool release_idle_sessions(const ServedModel* except);
  // Whether the device answers; kDeviceLost when it is gone.
  [[nodiscard]] Expected<void> device_ok() const;
};

// Answers with an error in OpenAI's shape (and Retry-After when it has one).
void send_error(Exchange& ex, const ApiError& error);
void send_json(Exchange& ex, unsigned status, const nlohmann::json& body);

// The route families; each returns false when the path is not one of its own.
bool handle_openai_route(ServerState& state, const HttpRequest& req, Exchange& ex);
bool handle_admin_route(ServerState& state, const HttpRequest& req, Exchange& ex);
bool handle_ollama_route(ServerState& state, const HttpRequest& req, Exchange& ex);

}  // namespace npu::server
