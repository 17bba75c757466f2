// The hybrid edge/cloud router: which backend answers an OpenAI-compatible generation request —
// the device ("edge") or an upstream OpenAI-compatible server ("cloud") — and the one place that
// retries. With edge-first, a request the device cannot take (device lost or faulted, queue full,
// prompt over the local context, a model it does not serve) goes to the cloud before the first
// byte reaches the client; a cloud failure falls back to the edge under cloud-first. A backend
// that fails `kFailuresToCool` times in a row is set aside for the cool-down and tried again after.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "api_error.hpp"
#include "http_exchange.hpp"
#include "npu/server/server.hpp"
#include "upstream_client.hpp"

namespace npu::server {

// Consecutive failures of one backend and its cool-down.
class BackendHealth {
 public:
  static constexpr int kFailuresToCool = 3;
  explicit BackendHealth(std::chrono::milliseconds cooldown) : cooldown_(cooldown) {}
  void success();
  void failure();
  [[nodiscard]] bool cooling() const;
  [[nodiscard]] std::uint64_t answered() const { return answered_; }
  [[nodiscard]] std::uint64_t failures() const { return failures_; }

 private:
  std::chrono::milliseconds cooldown_;
  mutable std::mutex mutex_;
  int in_a_row_ = 0;
  std::optional<std::chrono::steady_clock::time_point> until_;
  std::atomic<std::uint64_t> answered_{0}, failures_{0};
};

class HybridRouter {
 public:
  HybridRouter(RoutePolicy policy, std::optional<UpstreamClient> upstream, std::chrono::milliseconds cooldown)
      : policy_(policy), upstream_(std::move(upstream)), edge_(cooldown), cloud_(cooldown) {}

  [[nodiscard]] bool has_upstream() const noexcept { return upstream_.has_value() && policy_ != RoutePolicy::kEdgeOnly; }

  // Runs a request on the edge: returns nothing when the edge answered the client (or the client
  // left), or the error it could not answer with (then nothing has been sent yet).
  using EdgeAttempt = std::function<std::optional<ApiError>()>;

  // Answers the request through the backends in policy order; `edge_error` is set when the edge
  // cannot serve it at all (e.g. a model only the cloud has).
  void route(const HttpRequest& req, Exchange& ex, const EdgeAttempt& edge,
             std::optional<ApiError> edge_error = std::nullopt);

  // Prometheus lines: answers, failures and cool-down per backend.
  [[nodiscard]] std::string metrics() const;

 private:
  RoutePolicy policy_;
  std::optional<UpstreamClient> upstream_;
  BackendHealth edge_, cloud_;
};

// Whether the edge's error means "the device cannot take this one" (try the cloud) rather than
// "the request is wrong" (answer it).
[[nodiscard]] bool edge_cannot_take(const ApiError& error);

}  // namespace npu::server
