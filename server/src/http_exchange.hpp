// The HTTP seam between the routes and the connection: a parsed request and the one answer it
// gets — whole, or streamed in chunks (SSE, NDJSON). The routes never touch a socket, so they
// run the same over Beast and in tests.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace npu::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/v1/models" (no query)
  std::string query;   // after '?', undecoded
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;

  [[nodiscard]] std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  // A whole answer. Headers every answer carries (the backend that answered) are added by the
  // server; `extra` adds more (Retry-After, WWW-Authenticate, ...).
  virtual void send(unsigned status, std::string_view content_type, std::string body, const HeaderList& extra = {}) = 0;
  // A streamed 200 answer: the headers now, the body in write() pieces, end() closes it. Each
  // returns false once the client is gone (a write failed or the peer closed).
  virtual bool start_stream(std::string_view content_type, const HeaderList& extra = {}) = 0;
  virtual bool write(std::string_view data) = 0;
  virtual void end_stream() = 0;
  // Whether the client is still connected (a cheap check, polled while the device works).
  virtual bool alive() = 0;
  [[nodiscard]] virtual bool answered() const = 0;  // send() or start_stream() happened
};

}  // namespace npu::server
