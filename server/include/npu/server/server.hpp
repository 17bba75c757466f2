// npu::server::Server: the HTTP server behind `npu serve`. OpenAI-compatible routes as vLLM
// serves them (/v1/models, /v1/chat/completions, /v1/completions, /tokenize, /detokenize,
// /health, /metrics) and the Ollama API subset Ollama clients and Open WebUI use (/api/...),
// over compiled LLMs on one VDevice. Each request generates on its own session, so several run at
// once through the VDevice scheduler, on whatever backend the VDevice has (in-process or npud).
//
//   npu::server::ServerOptions options;
//   options.models = {"lfm25.npk"};
//   NPU_TRY_ASSIGN(auto server, npu::server::Server::create(options));
//   server->run();  // until stop() (or a signal, with run_until_signal())
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/vdevice.hpp"

namespace npu::server {

// Which backend answers OpenAI-compatible generation requests when an upstream server is set.
enum class RoutePolicy {
  kEdgeFirst,   // the device; the upstream when the device cannot take a request
  kCloudFirst,  // the upstream; the device when the upstream fails
  kEdgeOnly,    // the device only
};

struct ServerOptions {
  std::vector<std::filesystem::path> models;   // compiled LLMs (.npk)
  std::vector<std::string> served_model_names;  // one per model (default: the file's stem)
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;  // 0 = any free port (see Server::port())
  std::string api_key;        // empty = no key; else every route but /health needs it
  std::size_t max_concurrency = 4;  // requests generating at once (sessions on the device)
  std::size_t max_queue = 64;       // requests waiting for a slot; beyond: 429 + Retry-After
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 256;
  std::size_t max_requests_per_connection = 10000;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // receive a request / idle keep-alive
  std::chrono::milliseconds keepalive_interval{std::chrono::seconds(15)};  // SSE comments while quiet
  VDeviceParams device;  // which device(s), or npud with multi_process
  // Hybrid edge/cloud routing: an OpenAI-compatible server ("http://host:port") to fail over to.
  std::string upstream_url;
  std::string upstream_api_key;
  RoutePolicy route = RoutePolicy::kEdgeFirst;
  std::chrono::milliseconds upstream_connect_timeout{std::chrono::milliseconds(500)};
  std::chrono::milliseconds backend_cooldown{std::chrono::seconds(30)};  // a failing backend is set aside
};

class Server {
 public:
  // Opens the device, loads the models and binds the address; errors say what to change.
  [[nodiscard]] static Expected<std::unique_ptr<Server>> create(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // "http://127.0.0.1:8000"
  [[nodiscard]] std::string url() const;
  // The served model names, in the order given.
  [[nodiscard]] std::vector<std::string> model_names() const;

  void run();            // serves until stop()
  void stop() noexcept;  // from any thread or a signal-waiting thread
  // Serves until SIGINT or SIGTERM. Call block_stop_signals() first thing in main(), before any
  // thread starts, so that the signals reach the waiting thread only.
  void run_until_signal();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards.
void block_stop_signals();

}  // namespace npu::server
