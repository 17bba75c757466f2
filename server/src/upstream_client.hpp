// UpstreamClient: forwards an OpenAI-compatible request to another server (the "cloud" of the
// hybrid router) and relays its answer — whole or streamed — to the client as it arrives.
// Plain HTTP (a loopback TLS proxy, e.g. stunnel, reaches an https:// cloud).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "http_exchange.hpp"
#include "npu/common/error.hpp"

namespace npu::server {

struct UpstreamUrl {
  std::string host, port, prefix;  // prefix: the path before /v1 ("" or "/proxy")
};
// "http://host:port[/prefix]" (a trailing "/v1" is dropped: routes are appended as the client sent
// them). kInvalidArgument for anything else, saying what is expected.
[[nodiscard]] Expected<UpstreamUrl> parse_upstream_url(const std::string& url);

struct UpstreamResult {
  bool relayed = false;  // the client got the upstream's answer (then nothing more to send)
  unsigned status = 0;   // the upstream's status when it answered
  std::string error;     // why it was not relayed (connect failed, 5xx, 429, ...)
};

class UpstreamClient {
 public:
  UpstreamClient(UpstreamUrl url, std::string api_key, std::chrono::milliseconds connect_timeout)
      : url_(std::move(url)), api_key_(std::move(api_key)), connect_timeout_(connect_timeout) {}

  // Sends `path` with `body`. A 2xx or 4xx answer is relayed to `ex` with the header
  // "X-NPU-Backend: cloud" (4xx: the cloud's verdict on the request). A connection failure, a
  // timeout before the answer's headers, 429 or 5xx is not relayed: the caller may try elsewhere.
  [[nodiscard]] UpstreamResult forward(const std::string& method, const std::string& path, const std::string& body,
                                       Exchange& ex) const;

 private:
  UpstreamUrl url_;
  std::string api_key_;
  std::chrono::milliseconds connect_timeout_;
};

}  // namespace npu::server
