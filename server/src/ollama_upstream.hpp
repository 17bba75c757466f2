// The Ollama routes' way to the hybrid router's upstream, which speaks OpenAI's API: an Ollama
// request goes out as the OpenAI request that asks the same (openai_body), and the upstream's
// answer — SSE chunks or one object, or an OpenAI error — comes back to the client in Ollama's
// shapes (OllamaFromOpenAi, an Exchange the router writes to as it would to the client).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "generation_request.hpp"
#include "http_exchange.hpp"
#include "ollama_stream.hpp"

namespace npu::server {

// /v1/chat/completions (chat) or /v1/completions body for `request`; streamed requests ask for
// the usage chunk (Ollama's last line carries the token counts).
[[nodiscard]] nlohmann::json openai_body(const GenerationRequest& request);

class OllamaFromOpenAi final : public Exchange {
 public:
  // `chat`: the client's route (/api/chat or /api/generate); `upstream_chat`: the upstream was
  // asked /v1/chat/completions (Ollama's /api/generate renders the chat template too).
  OllamaFromOpenAi(Exchange& client, std::string model, bool chat, bool upstream_chat, bool stream, bool thinking)
      : client_(client), model_(std::move(model)), chat_(chat), upstream_chat_(upstream_chat), stream_(stream),
        thinking_(thinking) {}

  void send(unsigned status, std::string_view content_type, std::string body, const HeaderList& extra = {}) override;
  bool start_stream(std::string_view content_type, const HeaderList& extra = {}) override;
  bool write(std::string_view data) override;
  void end_stream() override;
  bool alive() override { return client_.alive(); }
  [[nodiscard]] bool answered() const override { return answered_ || client_.answered(); }

 private:
  struct PartialCall {
    std::string name, arguments;
  };
  // One OpenAI chunk (streamed) or choice (whole): its text, reasoning, tool calls, finish, usage.
  bool take(const nlohmann::json& chunk, bool whole);
  void end();

  Exchange& client_;
  std::string model_;
  bool chat_, upstream_chat_, stream_, thinking_;
  std::optional<NdjsonSink> sink_;
  TurnOutput out_;
  std::vector<PartialCall> calls_;
  std::string pending_;  // SSE text not yet ended by a blank line
  bool answered_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace npu::server
