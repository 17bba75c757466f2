// HttpServer over real sockets, in process: many clients at once on keep-alive connections,
// streamed answers, the body limit, the request deadline for a client that stops sending, and
// stop() while connections are open and a stream is running. Its connection threads, watchdog and
// accept loop are what the ThreadSanitizer run checks (scripts/sanitize.sh tsan).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "http_server.hpp"

namespace npu::server {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// Answers /echo with the method, path and body; /stream with `n` chunks ("0\n1\n..."); /hold
// streams until the client or the server goes away.
void handle(const HttpRequest& req, Exchange& ex, std::atomic<int>& holding) {
  if (req.path == "/echo") {
    ex.send(200, "text/plain", req.method + " " + req.path + " " + req.body);
  } else if (req.path == "/stream") {
    ASSERT_TRUE(ex.start_stream("text/plain"));
    const int n = std::stoi(req.query.substr(req.query.find('=') + 1));
    for (int i = 0; i < n; ++i) ASSERT_TRUE(ex.write(std::to_string(i) + "\n"));
    ex.end_stream();
  } else if (req.path == "/hold") {
    ASSERT_TRUE(ex.start_stream("text/plain"));
    ++holding;
    while (ex.alive() && ex.write(".")) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --holding;
  } else {
    ex.send(404, "text/plain", "no route");
  }
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpLimits limits = {}) {
    auto server = HttpServer::listen("127.0.0.1", 0, limits,
                                     [this](const HttpRequest& req, Exchange& ex) { handle(req, ex, holding_); });
    ASSERT_TRUE(server.has_value()) << server.error().message();
    server_ = std::move(*server);
    runner_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (runner_.joinable()) runner_.join();
    server_.reset();
  }
  [[nodiscard]] tcp::socket connect() {
    tcp::socket s(io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return s;
  }

  asio::io_context io_;
  std::atomic<int> holding_{0};
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
};

http::response<http::string_body> exchange(tcp::socket& s, boost::beast::flat_buffer& buffer, http::verb verb,
                                           const std::string& target, const std::string& body = {}) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "localhost");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  http::response<http::string_body> res;
  http::read(s, buffer, res);
  return res;
}

TEST_F(HttpServerTest, ManyClientsAtOnceEachGetTheirOwnAnswers) {
  start();
  constexpr int kClients = 6, kRequests = 15;
  std::atomic<int> right{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto s = connect();
      boost::beast::flat_buffer buffer;
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = "client " + std::to_string(c) + " request " + std::to_string(i);
        if (i % 3 == 2) {
          auto res = exchange(s, buffer, http::verb::get, "/stream?n=" + std::to_string(i));
          std::string want;
          for (int k = 0; k < i; ++k) want += std::to_string(k) + "\n";
          if (res.result_int() == 200 && res.body() == want) ++right;
        } else {
          auto res = exchange(s, buffer, http::verb::post, "/echo", body);
          if (res.result_int() == 200 && res.body() == "POST /echo " + body && res[http::field::server] == "npustack") {
            ++right;
          }
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(right.load(), kClients * kRequests);
}

TEST_F(HttpServerTest, ABodyOverTheLimitIsRefusedWith413) {
  HttpLimits limits;
  limits.max_body_bytes = 1000;
  start(limits);
  auto s = connect();
  boost::beast::flat_buffer buffer;
  auto ok = exchange(s, buffer, http::verb::post, "/echo", std::string(1000, 'a'));
  EXPECT_EQ(ok.result_int(), 200u);
  auto res = exchange(s, buffer, http::verb::post, "/echo", std::string(1001, 'a'));
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_NE(res.body().find("1000 bytes"), std::string::npos) << res.body();
}

TEST_F(HttpServerTest, AClientThatStopsSendingIsDisconnectedAtTheDeadline) {
  HttpLimits limits;
  limits.request_timeout = std::chrono::milliseconds(300);
  start(limits);
  auto s = connect();
  const std::string partial = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc";
  asio::write(s, asio::buffer(partial));
  const auto t0 = std::chrono::steady_clock::now();
  char byte = 0;
  boost::system::error_code ec;
  const auto n = s.read_some(asio::buffer(&byte, 1), ec);  // blocks until the server drops us
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(5));
  // The server still serves others.
  auto other = connect();
  boost::beast::flat_buffer buffer;
  EXPECT_EQ(exchange(other, buffer, http::verb::post, "/echo", "x").body(), "POST /echo x");
}

TEST_F(HttpServerTest, StopEndsStreamsAndIdleConnectionsAndReturns) {
  start();
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(connect());
    boost::beast::flat_buffer buffer;
    EXPECT_EQ(exchange(idle.back(), buffer, http::verb::get, "/echo").result_int(), 200u);
  }
  std::vector<std::thread> streams;
  std::atomic<int> ended{0};
  for (int i = 0; i < 2; ++i) {
    streams.emplace_back([&] {
      auto s = connect();
      http::request<http::empty_body> req{http::verb::get, "/hold", 11};
      req.set(http::field::host, "localhost");
      http::write(s, req);
      boost::beast::flat_buffer buffer;
      http::response<http::string_body> res;
      boost::system::error_code ec;
      http::read(s, buffer, res, ec);  // ends when the server closes the stream
      ++ended;
    });
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (holding_.load() < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(holding_.load(), 2);
  server_->stop();
  runner_.join();  // run() returns once every connection is closed
  for (auto& t : streams) t.join();
  EXPECT_EQ(ended.load(), 2);
  EXPECT_EQ(holding_.load(), 0);
  for (auto& s : idle) {
    char byte = 0;
    boost::system::error_code ec;
    EXPECT_EQ(s.read_some(asio::buffer(&byte, 1), ec), 0u);  // closed by the server
    EXPECT_TRUE(ec);
  }
  server_.reset();  // the destructor waits for the connection threads
}

}  // namespace
}  // namespace npu::server
