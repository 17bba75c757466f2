#include "http_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace npu::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::string error_body(unsigned status, const std::string& message) {
  return nlohmann::json{{"error",
                         {{"message", message},
                          {"type", status >= 500 ? "server_error" : "invalid_request_error"},
                          {"param", nullptr},
                          {"code", status}}}}
      .dump();
}

// One request's answer on a blocking Beast socket.
class SocketExchange final : public Exchange {
 public:
  // `idle_seconds`: how long the server keeps an idle connection open, told to the client in a
  // Keep-Alive header so it never reuses a connection the server is closing at that moment.
  SocketExchange(tcp::socket& socket, bool keep_alive, const HeaderList& common, long idle_seconds = 0)
      : socket_(socket), keep_alive_(keep_alive), idle_seconds_(idle_seconds), common_(common) {}

  void send(unsigned status, std::string_view content_type, std::string body, const HeaderList& extra = {}) override {
    if (answered_) return;
    answered_ = true;
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "npustack");
    res.set(http::field::content_type, std::string(content_type));
    for (const auto& [k, v] : common_) res.set(k, v);
    for (const auto& [k, v] : extra) res.set(k, v);
    set_connection(res);
    res.body() = std::move(body);
    res.prepare_payload();
    beast::error_code ec;
    http::write(socket_, res, ec);
    if (ec) failed_ = true;
  }

  bool start_stream(std::string_view content_type, const HeaderList& extra = {}) override {
    if (answered_) return !failed_;
    answered_ = true;
    streaming_ = true;
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::server, "npustack");
    res.set(http::field::content_type, std::string(content_type));
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");
    for (const auto& [k, v] : common_) res.set(k, v);
    for (const auto& [k, v] : extra) res.set(k, v);
    set_connection(res);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(socket_, sr, ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool write(std::string_view data) override {
    if (failed_ || !streaming_) return false;
    if (data.empty()) return true;
    beast::error_code ec;
    asio::write(socket_, http::make_chunk(asio::buffer(data.data(), data.size())), ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  void end_stream() override {
    if (failed_ || !streaming_ || ended_) return;
    ended_ = true;
    beast::error_code ec;
    asio::write(socket_, http::make_chunk_last(), ec);
    if (ec) failed_ = true;
  }

  bool alive() override {
    if (failed_) return false;
    pollfd p{socket_.native_handle(), POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) failed_ = true;
    return !failed_;
  }

  [[nodiscard]] bool answered() const override { return answered_; }
  [[nodiscard]] bool reusable() const { return answered_ && !failed_ && keep_alive_ && (!streaming_ || ended_); }

 private:
  template <class Body>
  void set_connection(http::response<Body>& res) const {
    res.keep_alive(keep_alive_);
    if (keep_alive_ && idle_seconds_ > 0) res.set("Keep-Alive", fmt::format("timeout={}", idle_seconds_));
  }

  tcp::socket& socket_;
  bool keep_alive_;
  long idle_seconds_;
  const HeaderList& common_;
  bool answered_ = false, streaming_ = false, ended_ = false, failed_ = false;
};

}  // namespace

struct HttpServer::Impl {
  HttpLimits limits;
  Handler handler;
  HeaderList common_headers;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};

  // Live connections: their sockets (to close them on stop) and the deadline of the request
  // each is receiving (the watchdog shuts a socket down when it passes).
  struct Live {
    int fd = -1;
    std::optional<Clock::time_point> read_deadline;
  };
  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::uint64_t, Live> live;
  std::uint64_t next_id = 0;
  std::thread watchdog;

  void watch() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      cv.wait_for(lock, std::chrono::milliseconds(100));
      const auto now = Clock::now();
      for (auto& [id, c] : live) {
        if (c.read_deadline && now >= *c.read_deadline) {
          ::shutdown(c.fd, SHUT_RDWR);  // the blocked read returns; the connection thread ends
          c.read_deadline.reset();
        }
      }
    }
  }

  void set_deadline(std::uint64_t id, std::optional<Clock::time_point> deadline) {
    std::lock_guard lock(mutex);
    if (auto it = live.find(id); it != live.end()) it->second.read_deadline = deadline;
  }

  // After an early answer (413, 431, 400) the client may still be sending: read and drop what it
  // sends for a moment, so it sees the answer rather than a reset connection.
  static void linger(tcp::socket& socket) {
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    const auto until = Clock::now() + std::chrono::seconds(2);
    char scratch[16384];
    while (Clock::now() < until) {
      pollfd p{socket.native_handle(), POLLIN, 100};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (::recv(socket.native_handle(), scratch, sizeof scratch, 0) <= 0) break;
    }
  }

  void early_answer(tcp::socket& socket, unsigned status, const std::string& message) {
    SocketExchange ex(socket, false, common_headers);
    ex.send(status, "application/json", error_body(status, message));
    linger(socket);
  }

  void serve(tcp::socket socket, std::uint64_t id) {
    const timeval tv{static_cast<time_t>(limits.write_timeout.count() / 1000),
                     static_cast<suseconds_t>((limits.write_timeout.count() % 1000) * 1000)};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    beast::flat_buffer buffer;
    for (std::size_t n = 0; n < limits.max_requests_per_connection && !stopping; ++n) {
      set_deadline(id, Clock::now() + limits.request_timeout);
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
      parser.body_limit(limits.max_body_bytes);
      http::read(socket, buffer, parser, ec);
      set_deadline(id, std::nullopt);
      if (ec == http::error::body_limit) {
        early_answer(socket, 413,
                     fmt::format("the request body is larger than this server takes ({} bytes)", limits.max_body_bytes));
        break;
      }
      if (ec == http::error::header_limit) {
        early_answer(socket, 431, fmt::format("the request headers exceed {} bytes", limits.max_header_bytes));
        break;
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
          ec == asio::error::shut_down || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
          ec == http::error::partial_message) {
        break;
      }
      if (ec) {
        early_answer(socket, 400, fmt::format("malformed HTTP request: {}", ec.message()));
        break;
      }
      auto& msg = parser.get();
      HttpRequest req;
      req.method = std::string(msg.method_string());
      const std::string_view target(msg.target().data(), msg.target().size());
      const auto q = target.find('?');
      req.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
      for (const auto& field : msg) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        req.headers[name] = std::string(field.value());
      }
      req.body = std::move(msg.body());
      const bool keep = msg.keep_alive() && n + 1 < limits.max_requests_per_connection && !stopping;
      // Idle time is the request timeout, rounded down: the client gives up first.
      const auto idle = std::chrono::duration_cast<std::chrono::seconds>(limits.request_timeout).count();
      SocketExchange ex(socket, keep, common_headers, std::max<long>(1, static_cast<long>(idle)));
      try {
        handler(req, ex);
      } catch (const std::exception& e) {
        spdlog::error("npu serve: {} {} failed: {}", req.method, req.path, e.what());
        if (!ex.answered()) ex.send(500, "application/json", error_body(500, std::string("internal error: ") + e.what()));
      }
      if (!ex.answered()) ex.send(500, "application/json", error_body(500, "the server produced no answer"));
      if (!ex.reusable()) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  void accept_loop() {
    while (!stopping) {
      tcp::socket socket(io);
      beast::error_code ec;
      acceptor.accept(socket, ec);
      if (stopping) break;
      if (ec) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // e.g. out of descriptors
        continue;
      }
      std::uint64_t id = 0;
      {
        std::lock_guard lock(mutex);
        if (live.size() >= limits.max_connections) {
          id = UINT64_MAX;
        } else {
          id = next_id++;
          live[id] = Live{socket.native_handle(), std::nullopt};
        }
      }
      if (id == UINT64_MAX) {
        SocketExchange ex(socket, false, common_headers);
        ex.send(503, "application/json",
                error_body(503, fmt::format("too many connections ({}): retry later", limits.max_connections)),
                {{"Retry-After", "1"}});
        socket.close(ec);
        continue;
      }
      // The socket (and its moved-from shell) is gone before the connection leaves `live`: once
      // it has, ~HttpServer may destroy the io_context every socket refers to.
      std::thread([this, owned = new tcp::socket(std::move(socket)), id] {
        {
          std::unique_ptr<tcp::socket> connection(owned);
          serve(std::move(*connection), id);
        }
        std::lock_guard lock(mutex);
        live.erase(id);
        cv.notify_all();
      }).detach();
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait(lock, [this] { return impl_->live.empty(); });
  lock.unlock();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
}

Expected<std::unique_ptr<HttpServer>> HttpServer::listen(const std::string& host, std::uint16_t port,
                                                         HttpLimits limits, Handler handler,
                                                         HeaderList common_headers) {
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  impl->handler = std::move(handler);
  impl->common_headers = std::move(common_headers);
  beast::error_code ec;
  const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("--host '{}' is not an IP address (e.g. 127.0.0.1, ::1, 0.0.0.0)", host));
  }
  const tcp::endpoint endpoint(address, port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::kIo, fmt::format("cannot listen on {}:{}: {} (is another server using the port? "
                                            "choose another with --port)",
                                            host, port, ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  auto* raw = impl.get();
  impl->watchdog = std::thread([raw] { raw->watch(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const noexcept { return impl_->port; }

void HttpServer::run() {
  impl_->accept_loop();
  // Close every connection: blocked reads and writes return, their requests are cancelled.
  std::unique_lock lock(impl_->mutex);
  for (auto& [id, c] : impl_->live) ::shutdown(c.fd, SHUT_RDWR);
  impl_->cv.wait_for(lock, std::chrono::seconds(30), [this] { return impl_->live.empty(); });
}

void HttpServer::stop() noexcept {
  if (impl_->stopping.exchange(true)) return;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);  // wakes the blocked accept()
  impl_->cv.notify_all();
}

}  // namespace npu::server
