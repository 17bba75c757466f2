// `npu serve MODEL.npk [MODEL.npk ...]`: the OpenAI- and Ollama-compatible HTTP server (the
// server/ library); this file only turns flags into npu::server::ServerOptions.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "llm_common.hpp"
#include "npu/server/server.hpp"
#include "output.hpp"

namespace npu::tools {
namespace {

struct ServeOpts {
  std::vector<std::string> models;
  server::ServerOptions server;
  std::string api_key_file;
  std::string upstream_key_file;
  std::string route = "edge-first";
  DeviceOptions where;
  double request_timeout_s = 30;
};

Expected<std::string> read_key_file(const std::string& path, const char* flag) {
  std::ifstream in(path);
  std::string key;
  if (!in || !std::getline(in, key)) {
    return fail(ErrorCode::kNotFound, fmt::format("{} {}: cannot read a key from it (one line)", flag, path));
  }
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ' || key.back() == '\t')) key.pop_back();
  if (key.empty()) return fail(ErrorCode::kInvalidArgument, fmt::format("{} {}: the first line is empty", flag, path));
  return key;
}

Expected<void> serve(ServeOpts& o) {
  auto& s = o.server;
  for (const auto& m : o.models) s.models.emplace_back(m);
  if (!o.api_key_file.empty()) {
    NPU_TRY_ASSIGN(s.api_key, read_key_file(o.api_key_file, "--api-key-file"));
  } else if (s.api_key.empty()) {
    if (const char* env = std::getenv("NPU_API_KEY"); env != nullptr) s.api_key = env;
  }
  if (!o.upstream_key_file.empty()) {
    NPU_TRY_ASSIGN(s.upstream_api_key, read_key_file(o.upstream_key_file, "--upstream-key-file"));
  }
  s.route = o.route == "cloud-first" ? server::RoutePolicy::kCloudFirst
            : o.route == "edge-only" ? server::RoutePolicy::kEdgeOnly
                                     : server::RoutePolicy::kEdgeFirst;
  if (!o.where.device.empty()) s.device.device_ids = {o.where.device};
  s.device.multi_process = o.where.multi_process;
  s.device.group_id = o.where.group_id;
  s.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.request_timeout_s * 1000));
  NPU_TRY_ASSIGN(auto srv, server::Server::create(s));
  std::string names;
  for (const auto& n : srv->model_names()) names += (names.empty() ? "" : ", ") + n;
  fmt::print("npu serve: listening on {} (models: {}{})\n", srv->url(), names,
             s.api_key.empty() ? "" : "; API key required");
  std::fflush(stdout);
  srv->run_until_signal();
  return {};
}

}  // namespace

void add_serve_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("serve", "Serve compiled LLMs over HTTP (OpenAI- and Ollama-compatible API)");
  auto o = std::make_shared<ServeOpts>();
  cmd->add_option("models", o->models, "Compiled LLMs (.npk, or Hailo .hef with HailoRT); each is served under its file's stem")->required();
  cmd->add_option("--host", o->server.host, "Address to bind (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", o->server.port, "TCP port (default 8000; 0 = any free port)");
  auto* key = cmd->add_option("--api-key", o->server.api_key,
                              "Require 'Authorization: Bearer KEY' on every route but /health (or $NPU_API_KEY)");
  cmd->add_option("--api-key-file", o->api_key_file, "Read the API key from the first line of a file")->excludes(key);
  cmd->add_option("--served-model-name", o->server.served_model_names,
                  "Name a model in the API (one per model, in order; default: the file's stem)");
  cmd->add_option("--max-concurrency", o->server.max_concurrency,
                  "Requests generating at once, each on its own session (default 4)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--max-queue", o->server.max_queue,
                  "Requests waiting for a slot; beyond it: 429 with Retry-After (default 64)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--max-body-bytes", o->server.max_body_bytes, "Largest request body (default 8 MiB; 413 beyond)")
      ->check(CLI::Range(1024, 1 << 30));
  cmd->add_option("--max-connections", o->server.max_connections, "Open connections at once (default 256)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--request-timeout", o->request_timeout_s,
                  "Seconds a client has to send each request, also the keep-alive idle time (default 30)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--upstream", o->server.upstream_url,
                  "An OpenAI-compatible server (http://HOST:PORT) for requests the device cannot take");
  cmd->add_option("--upstream-key-file", o->upstream_key_file, "The upstream's API key (first line of the file)")
      ->needs("--upstream");
  cmd->add_option("--route", o->route, "With --upstream: edge-first (default), cloud-first or edge-only")
      ->check(CLI::IsMember({"edge-first", "cloud-first", "edge-only"}));
  add_device_options(*cmd, o->where);
  cmd->callback([&ctx, o] {
    auto r = serve(*o);
    if (!r) ctx.exit_code = report_error("serve", r.error());
  });
}

}  // namespace npu::tools
