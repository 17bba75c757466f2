// HttpServer: HTTP/1.1 on Boost.Beast, one thread per connection (an edge device serves tens of
// clients, and a blocking connection thread is what the blocking generation reads want). Limits:
// header and body size (431 / 413), connections at once (503 beyond), requests per connection,
// and a deadline to receive each request (slow or idle clients are disconnected by a watchdog).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http_exchange.hpp"
#include "npu/common/error.hpp"

namespace npu::server {

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_connections = 256;
  std::size_t max_requests_per_connection = 10000;
  // A connection must deliver each whole request within this (also the keep-alive idle time).
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  // A client that reads nothing for this long is dropped (its stream is cancelled).
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, Exchange&)>;

  // Binds host:port (numeric address or "localhost"; port 0 = any free port).
  [[nodiscard]] static Expected<std::unique_ptr<HttpServer>> listen(const std::string& host, std::uint16_t port,
                                                                    HttpLimits limits, Handler handler,
                                                                    HeaderList common_headers = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // Accepts until stop(); then closes every connection (cancelling their requests) and returns.
  void run();
  void stop() noexcept;  // from any thread

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace npu::server
