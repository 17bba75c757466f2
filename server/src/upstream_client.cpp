#include "upstream_client.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace npu::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Expected<UpstreamUrl> parse_upstream_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("--upstream '{}': expected http://HOST:PORT[/PATH] (for an https:// server, run a local "
                            "TLS proxy and point --upstream at it)",
                            url));
  }
  std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (prefix.ends_with("/")) prefix.pop_back();
  if (prefix.ends_with("/v1")) prefix.resize(prefix.size() - 3);
  UpstreamUrl out;
  out.prefix = prefix;
  if (hostport.starts_with("[")) {
    const auto close = hostport.find(']');
    if (close == std::string::npos) return fail(ErrorCode::kInvalidArgument, fmt::format("--upstream '{}': unclosed [", url));
    out.host = hostport.substr(1, close - 1);
    out.port = close + 1 < hostport.size() && hostport[close + 1] == ':' ? hostport.substr(close + 2) : "80";
  } else {
    const auto colon = hostport.rfind(':');
    out.host = hostport.substr(0, colon);
    out.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("--upstream '{}': expected http://HOST:PORT[/PATH]", url));
  }
  return out;
}

UpstreamResult UpstreamClient::forward(const std::string& method, const std::string& path, const std::string& body,
                                       Exchange& ex) const {
  UpstreamResult result;
  asio::io_context io;
  tcp::socket socket(io);
  beast::error_code ec;
  // Resolve and connect within the connect timeout (asynchronously, so it can be bounded).
  tcp::resolver resolver(io);
  bool connected = false;
  resolver.async_resolve(url_.host, url_.port, [&](beast::error_code rec, const tcp::resolver::results_type& eps) {
    if (rec) {
      ec = rec;
      return;
    }
    asio::async_connect(socket, eps, [&](beast::error_code cec, const tcp::endpoint&) {
      ec = cec;
      connected = !cec;
    });
  });
  io.run_for(connect_timeout_);
  if (!connected) {
    result.error = fmt::format("cannot connect to {}:{}: {}", url_.host, url_.port,
                               ec ? ec.message() : std::string("timed out"));
    return result;
  }
  // From here on, reads and writes are blocking with a generous idle bound.
  const timeval tv{120, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  http::request<http::string_body> req{method == "GET" ? http::verb::get : http::verb::post, url_.prefix + path, 11};
  req.set(http::field::host, url_.host + ":" + url_.port);
  req.set(http::field::user_agent, "npustack-router");
  req.set(http::field::content_type, "application/json");
  if (!api_key_.empty()) req.set(http::field::authorization, "Bearer " + api_key_);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req, ec);
  if (ec) {
    result.error = fmt::format("sending to {}:{} failed: {}", url_.host, url_.port, ec.message());
    return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // (boost::none is mishandled by Beast 1.74)
  http::read_header(socket, buffer, parser, ec);
  if (ec) {
    result.error = fmt::format("no answer from {}:{}: {}", url_.host, url_.port, ec.message());
    return result;
  }
  result.status = parser.get().result_int();
  if (result.status == 429 || result.status >= 500) {
    result.error = fmt::format("{}:{} answered {}", url_.host, url_.port, result.status);
    return result;
  }
  const std::string content_type(parser.get()[http::field::content_type]);
  const HeaderList extra{{"X-NPU-Backend", "cloud"}};
  const bool stream = result.status < 300 && (content_type.starts_with("text/event-stream") ||
                                              content_type.starts_with("application/x-ndjson"));
  std::string whole;
  if (stream && !ex.start_stream(content_type, extra)) return result.relayed = true, result;
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    // read_some: pass each piece on as it arrives (read() would wait for a full chunk buffer,
    // holding a stream's tokens back).
    http::read_some(socket, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    const std::size_t n = sizeof chunk - parser.get().body().size;
    if (stream) {
      if (n > 0 && !ex.write(std::string_view(chunk, n))) break;  // the client left
    } else {
      whole.append(chunk, n);
    }
    if (ec) break;
  }
  result.relayed = true;
  if (stream) {
    if (ec) (void)ex.write(fmt::format("data: {{\"error\": {{\"message\": \"the upstream server broke off: {}\", "
                                       "\"type\": \"server_error\", \"param\": null, \"code\": 502}}}}\n\ndata: [DONE]\n\n",
                                       ec.message()));
    ex.end_stream();
  } else if (ec) {
    ex.send(502, "application/json",
            fmt::format(R"({{"error": {{"message": "the upstream server broke off its answer: {}", "type": "server_error", "param": null, "code": 502}}}})",
                        ec.message()),
            extra);
  } else {
    ex.send(result.status, content_type.empty() ? "application/json" : content_type, std::move(whole), extra);
  }
  return result;
}

}  // namespace npu::server
