// `npu serve` on a .hef model (the HailoRT backend, over the test double): the server hands chat
// messages and tools to HailoRT, which renders the model's template itself, and answers in the
// OpenAI and Ollama shapes; what needs the prompt in hand is refused with a 400 naming the field.
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "hailort_fixture.hpp"
#include "npu/server/server.hpp"

namespace npu::test {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using hailort_double::ScriptedToken;
using nlohmann::json;

struct Reply {
  unsigned status = 0;
  json body;
};

// One POST on a new connection; the whole answer.
Reply post(std::uint16_t port, const std::string& target, const json& body) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = body.dump();
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  Reply r{res.result_int(), json::parse(res.body(), nullptr, false)};
  if (r.body.is_discarded()) r.body = res.body();  // (NDJSON streams: kept as text)
  return r;
}

class ServerOnHailort : public HailortTest {
 protected:
  void SetUp() override {
    HailortTest::SetUp();
    add_hailo10h();
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    HailortTest::TearDown();
  }
  // Serves a .hef whose model writes `responses` (one per generation).
  void serve(std::deque<std::vector<ScriptedToken>> responses) {
    hailort_double::FakeLlm m;
    m.responses = std::move(responses);
    path_ = add_llm("qwen3.hef", std::move(m));
    server::ServerOptions options;
    options.models = {path_};
    options.port = 0;
    auto created = server::Server::create(options);
    ASSERT_TRUE(created) << created.error().what();
    server_ = std::move(*created);
    thread_ = std::thread([this] { server_->run(); });
  }
  static std::vector<ScriptedToken> say(std::initializer_list<const char*> texts) {
    std::vector<ScriptedToken> out;
    for (const char* t : texts) out.push_back({t, std::chrono::milliseconds(0)});
    return out;
  }
  hailort_double::LlmRecord& record() { return world().llm_records[path_]; }

  std::string path_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
};

TEST_F(ServerOnHailort, ChatMessagesAndToolsGoToHailortAndTheAnswerComesBack) {
  serve({say({"<think>", "Sunny", " check", "</think>", "\n\n", "<tool_call>",
              "\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n", "</tool_call>", "<|im_end|>"}),
         say({"It", " is", " sunny", ".", "<|im_end|>"})});
  const json tool = {{"type", "function"},
                     {"function", {{"name", "get_weather"}, {"parameters", {{"type", "object"}}}}}};
  auto first = post(server_->port(), "/v1/chat/completions",
                    {{"model", "qwen3"},
                     {"messages", {{{"role", "system"}, {"content", "Be brief."}},
                                   {{"role", "user"}, {"content", "Weather in Paris?"}}}},
                     {"tools", {tool}}});
  ASSERT_EQ(first.status, 200u) << first.body.dump();
  const auto& msg = first.body["choices"][0]["message"];
  EXPECT_EQ(first.body["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(msg["reasoning_content"], "Sunny check");
  ASSERT_EQ(msg["tool_calls"].size(), 1u);
  EXPECT_EQ(msg["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(msg["tool_calls"][0]["function"]["arguments"].get<std::string>())["city"], "Paris");
  // HailoRT got the messages and the tool as JSON, not a prompt the server rendered.
  ASSERT_EQ(record().last_messages.size(), 2u);
  EXPECT_EQ(json::parse(record().last_messages[0])["content"], "Be brief.");
  EXPECT_EQ(json::parse(record().last_messages[1])["content"], "Weather in Paris?");
  ASSERT_EQ(record().last_tools.size(), 1u);
  // (the function object, as HailoRT documents its tools: {"name", "description", "parameters"})
  EXPECT_EQ(json::parse(record().last_tools[0])["name"], "get_weather");
  EXPECT_TRUE(record().last_prompt.empty());

  // Ollama's /api/chat on the same model: a whole (not streamed) answer in Ollama's shape.
  auto second = post(server_->port(), "/api/chat",
                     {{"model", "qwen3"}, {"stream", false},
                      {"messages", {{{"role", "user"}, {"content", "And now?"}}}}});
  ASSERT_EQ(second.status, 200u) << second.body.dump();
  EXPECT_EQ(second.body["message"]["content"], "It is sunny.");
  EXPECT_EQ(second.body["done_reason"], "stop");
  EXPECT_EQ(json::parse(record().last_messages.back())["content"], "And now?");
  EXPECT_EQ(record().generations, 2);
}

TEST_F(ServerOnHailort, WhatNeedsTheRenderedPromptIsRefusedNamingTheField) {
  serve({say({"ok", "<|im_end|>"})});
  const json user = {{{"role", "user"}, {"content", "hi"}}};
  auto kwargs = post(server_->port(), "/v1/chat/completions",
                     {{"model", "qwen3"}, {"messages", user}, {"chat_template_kwargs", {{"enable_thinking", false}}}});
  EXPECT_EQ(kwargs.status, 400u);
  EXPECT_EQ(kwargs.body["error"]["param"], "chat_template_kwargs");
  EXPECT_NE(kwargs.body["error"]["message"].get<std::string>().find("HailoRT"), std::string::npos);

  const json tool = {{"type", "function"}, {"function", {{"name", "f"}}}};
  auto forced = post(server_->port(), "/v1/chat/completions",
                     {{"model", "qwen3"}, {"messages", user}, {"tools", {tool}}, {"tool_choice", "required"}});
  EXPECT_EQ(forced.status, 400u);
  EXPECT_EQ(forced.body["error"]["param"], "tool_choice");

  // /tokenize needs the template in hand: a clear 400, not a server error.
  auto tokenize = post(server_->port(), "/tokenize", {{"model", "qwen3"}, {"messages", user}});
  EXPECT_EQ(tokenize.status, 400u) << tokenize.body.dump();
  EXPECT_EQ(record().generations, 0);

  // Nothing was spent on the refusals: the scripted answer is still the next one.
  auto ok = post(server_->port(), "/v1/chat/completions", {{"model", "qwen3"}, {"messages", user}});
  ASSERT_EQ(ok.status, 200u) << ok.body.dump();
  EXPECT_EQ(ok.body["choices"][0]["message"]["content"], "ok");
}

}  // namespace
}  // namespace npu::test
