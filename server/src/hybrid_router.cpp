#include "hybrid_router.hpp"

#include <fmt/format.h>

#include "server_state.hpp"

namespace npu::server {

void BackendHealth::success() {
  ++answered_;
  std::lock_guard lock(mutex_);
  in_a_row_ = 0;
  until_.reset();
}

void BackendHealth::failure() {
  ++failures_;
  std::lock_guard lock(mutex_);
  if (++in_a_row_ >= kFailuresToCool) until_ = std::chrono::steady_clock::now() + cooldown_;
}

bool BackendHealth::cooling() const {
  std::lock_guard lock(mutex_);
  return until_ && std::chrono::steady_clock::now() < *until_;
}

bool edge_cannot_take(const ApiError& error) {
  return error.status == 429 || error.status >= 500 || error.code == "context_length_exceeded" ||
         error.code == "model_not_found";
}

void HybridRouter::route(const HttpRequest& req, Exchange& ex, const EdgeAttempt& edge,
                         std::optional<ApiError> edge_error) {
  if (!has_upstream()) {
    if (edge_error) return send_error(ex, *edge_error);
    if (auto e = edge()) send_error(ex, *e);
    return;
  }
  // Policy order, with a cooling backend moved last (still tried when the other fails).
  bool cloud_first = policy_ == RoutePolicy::kCloudFirst;
  if (cloud_first && cloud_.cooling() && !edge_.cooling()) cloud_first = false;
  if (!cloud_first && edge_.cooling() && !cloud_.cooling()) cloud_first = true;
  std::optional<ApiError> last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool cloud = (attempt == 0) == cloud_first;
    if (cloud) {
      auto r = upstream_->forward(req.method, req.path, req.body, ex);
      if (r.relayed) {
        cloud_.success();
        return;
      }
      cloud_.failure();
      if (!last) last = ApiError{502, "the upstream server failed: " + r.error, {}, "upstream_failed", {}};
      continue;
    }
    if (edge_error) {
      last = edge_error;  // the edge cannot take it; no device fault
      continue;
    }
    auto e = edge();
    if (!e) {
      edge_.success();
      return;
    }
    if (!edge_cannot_take(*e)) return send_error(ex, *e);  // the request itself is wrong
    if (e->status >= 500) edge_.failure();
    last = std::move(e);
  }
  if (last) send_error(ex, *last);
}

std::string HybridRouter::metrics() const {
  std::string out;
  out += "# HELP npu:router_answers_total Generation requests each backend answered.\n";
  out += "# TYPE npu:router_answers_total counter\n";
  out += fmt::format("npu:router_answers_total{{backend=\"edge\"}} {}\n", edge_.answered());
  out += fmt::format("npu:router_answers_total{{backend=\"cloud\"}} {}\n", cloud_.answered());
  out += "# HELP npu:router_failures_total Requests a backend could not take (the other was tried).\n";
  out += "# TYPE npu:router_failures_total counter\n";
  out += fmt::format("npu:router_failures_total{{backend=\"edge\"}} {}\n", edge_.failures());
  out += fmt::format("npu:router_failures_total{{backend=\"cloud\"}} {}\n", cloud_.failures());
  out += "# HELP npu:router_backend_cooling 1 while a failing backend is set aside.\n";
  out += "# TYPE npu:router_backend_cooling gauge\n";
  out += fmt::format("npu:router_backend_cooling{{backend=\"edge\"}} {}\n", edge_.cooling() ? 1 : 0);
  out += fmt::format("npu:router_backend_cooling{{backend=\"cloud\"}} {}\n", cloud_.cooling() ? 1 : 0);
  return out;
}

}  // namespace npu::server
