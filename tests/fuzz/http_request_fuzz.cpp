// HTTP requests into `npu serve`: the bytes a client sends, framed by Beast's request parser as the
// server configures it (its default header and body limits, the whole request read eagerly), fed in
// pieces whose sizes come from the input, then the request bodies through the parsers of every
// generation route (OpenAI chat and completions, Ollama chat and generate). The bodies are also
// parsed straight from the text after the first blank line, so the fuzzer can mutate JSON without
// keeping a Content-Length right.
#include "fuzz_input.hpp"
#include "http_server.hpp"
#include "ollama_request.hpp"
#include "openai_request.hpp"

#include <algorithm>
#include <optional>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

namespace {

namespace http = boost::beast::http;
using npu::fuzz::require;
using npu::server::ApiError;
using npu::server::GenerationRequest;

// A refusal is a client error naming what is wrong, and its answer serializes as the server
// writes it (invalid UTF-8 from the body, quoted in a parse error, replaced).
void check_refusal(const ApiError& e) {
  require(e.status >= 400 && e.status < 500);
  require(!e.message.empty());
  (void)e.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `load_only`: Ollama's /api/generate without a prompt only loads the model (nothing to render).
void check_request(const GenerationRequest& r, bool load_only = false) {
  for (const auto& tool : r.tools_json) {
    const auto j = nlohmann::json::parse(tool, nullptr, false);
    require(j.is_object());
  }
  for (const auto& stop : r.stop) require(!stop.empty());
  require(r.chat_template_kwargs.is_object());
  if (r.tool_call_required) require(!r.tools_json.empty());
  if (r.chat && !load_only) require(!r.messages.empty());
  for (const auto& m : r.messages) {
    for (const auto& call : m.tool_calls) {
      require(!call.name.empty());
      require(nlohmann::json::accept(call.arguments_json));
    }
  }
}

void parse_bodies(std::string_view body) {
  if (auto r = npu::server::parse_chat_request(body)) {
    require(r->chat);
    check_request(*r);
  } else {
    check_refusal(r.error());
  }
  if (auto r = npu::server::parse_completion_request(body)) {
    require(!r->chat);
    check_request(*r);
  } else {
    check_refusal(r.error());
  }
  for (auto parse : {npu::server::parse_ollama_chat, npu::server::parse_ollama_generate}) {
    if (auto r = parse(body)) {
      check_request(r->request, r->load_only);
    } else {
      check_refusal(r.error());
    }
  }
}

// Frames one request as HttpServer does; the body when a whole request arrived.
std::optional<std::string> frame(std::string_view wire, std::uint8_t piece_seed) {
  const npu::server::HttpLimits limits;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::beast::flat_buffer buffer;
  boost::beast::error_code ec;
  std::size_t offset = 0;
  std::size_t piece = 1 + piece_seed % 64;
  bool need = true;
  while (!parser.is_done()) {
    if (need) {
      if (offset == wire.size()) {
        // As Beast's read does at the end of the stream: nothing received is end_of_stream (the
        // server closes quietly); otherwise the parser decides whether the message is whole.
        if (!parser.got_some()) return std::nullopt;
        parser.put_eof(ec);
        break;
      }
      const std::size_t n = std::min(piece, wire.size() - offset);
      auto out = buffer.prepare(n);
      std::copy_n(wire.data() + offset, n, static_cast<char*>(out.data()));
      buffer.commit(n);
      offset += n;
      piece = 1 + (piece * 7 + 3) % 97;
    }
    ec = {};
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) {
      need = true;
      continue;
    }
    if (ec) return std::nullopt;  // the server answers 400 / 413 / 431
    need = used == 0 || buffer.size() == 0;
  }
  if (ec || !parser.is_done()) return std::nullopt;
  auto& msg = parser.get();
  require(msg.body().size() <= limits.max_body_bytes);
  (void)msg.keep_alive();
  (void)msg.method_string();
  for (const auto& field : msg) (void)field.value();
  return std::move(msg.body());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = npu::fuzz::text(data, size);
  const std::uint8_t piece_seed = size > 0 ? data[size - 1] : 0;
  if (auto body = frame(input, piece_seed)) parse_bodies(*body);
  const auto blank = input.find("\r\n\r\n");
  parse_bodies(blank == std::string_view::npos ? input : input.substr(blank + 4));
  return 0;
}
