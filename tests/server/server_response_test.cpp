// Response building of the HTTP server: OpenAI's completion objects and stream chunks, the error
// shape and status mapping, Prometheus text, and admission (slots, queue, 429).
#include <gtest/gtest.h>

#include <thread>

#include "admission.hpp"
#include "api_error.hpp"
#include "metrics.hpp"
#include "openai_response.hpp"

namespace npu::server {
namespace {

TurnOutput sample_output() {
  TurnOutput out;
  out.content = "Sure";
  out.reasoning = "think";
  out.tool_calls = {{"f", R"({"a":"x"})"}};
  out.finish_reason = "tool_calls";
  out.prompt_tokens = 10;
  out.completion_tokens = 5;
  return out;
}

TEST(ServerResponse, ChatCompletionCarriesEverything) {
  const CompletionIds ids{"chatcmpl-1", "m", 1700000000};
  const auto j = chat_completion(ids, sample_output(), {"call-1"});
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "m");
  const auto& msg = j["choices"][0]["message"];
  EXPECT_EQ(msg["content"], "Sure");
  EXPECT_EQ(msg["reasoning"], "think");
  EXPECT_EQ(msg["reasoning_content"], "think");
  EXPECT_EQ(msg["tool_calls"][0]["id"], "call-1");
  EXPECT_EQ(msg["tool_calls"][0]["type"], "function");
  EXPECT_EQ(msg["tool_calls"][0]["function"]["arguments"], R"({"a":"x"})");  // a JSON string
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(j["usage"]["total_tokens"], 15);
}

TEST(ServerResponse, ChunksAsVllmStreamsThem) {
  const CompletionIds ids{"chatcmpl-1", "m", 1};
  auto role = chat_chunk(ids, {{"role", "assistant"}, {"content", ""}});
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_TRUE(role["choices"][0]["finish_reason"].is_null());
  auto reasoning = chat_chunk(ids, reasoning_delta("r"));
  EXPECT_EQ(reasoning["choices"][0]["delta"]["reasoning"], "r");
  EXPECT_EQ(reasoning["choices"][0]["delta"]["reasoning_content"], "r");
  auto last = chat_chunk(ids, nlohmann::json::object(), "stop");
  EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
  TurnOutput out;
  out.prompt_tokens = 3;
  out.cached_tokens = 2;
  out.completion_tokens = 4;
  auto usage = usage_chunk(ids, true, out);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 4);
  EXPECT_EQ(usage["usage"]["total_tokens"], 7);
  EXPECT_EQ(usage["usage"]["prompt_tokens_details"]["cached_tokens"], 2);
  auto text = text_chunk(CompletionIds{"cmpl-1", "m", 1}, "abc", "length");
  EXPECT_EQ(text["object"], "text_completion");
  EXPECT_EQ(text["choices"][0]["text"], "abc");
  EXPECT_EQ(text["choices"][0]["finish_reason"], "length");
}

TEST(ServerResponse, RandomIdsAreUnique) {
  const auto a = random_id("chatcmpl-"), b = random_id("chatcmpl-");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), std::string("chatcmpl-").size() + 32);
}

TEST(ServerResponse, ErrorShapeAndStatusMapping) {
  const auto e = bad_request("'x' must be a number", "x").to_json();
  EXPECT_EQ(e["error"]["type"], "invalid_request_error");
  EXPECT_EQ(e["error"]["param"], "x");
  EXPECT_EQ(e["error"]["message"], "'x' must be a number");
  const auto with_status = [](unsigned status) { return ApiError{status, "m", {}, {}, {}}; };
  EXPECT_TRUE(with_status(500).to_json()["error"]["param"].is_null());
  EXPECT_EQ(with_status(401).type(), "authentication_error");
  EXPECT_EQ(with_status(429).type(), "rate_limit_error");
  EXPECT_EQ(with_status(500).type(), "server_error");
  EXPECT_EQ(from_runtime_error(Error(ErrorCode::kInvalidArgument, "too long"), "messages").status, 400u);
  EXPECT_EQ(from_runtime_error(Error(ErrorCode::kInvalidArgument, "too long"), "messages").param, "messages");
  EXPECT_EQ(from_runtime_error(Error(ErrorCode::kDeviceError, "dma")).status, 500u);
  EXPECT_EQ(from_runtime_error(Error(ErrorCode::kDeviceLost, "gone")).status, 500u);
  const auto busy = from_runtime_error(Error(ErrorCode::kBusy, "x"));
  EXPECT_EQ(busy.status, 503u);
  EXPECT_TRUE(busy.retry_after.has_value());
}

TEST(ServerResponse, PrometheusText) {
  Metrics m;
  RequestFigures f;
  f.model = "m";
  f.finish_reason = "stop";
  f.prompt_tokens = 7;
  f.generation_tokens = 3;
  f.ttft = std::chrono::milliseconds(30);
  f.e2e = std::chrono::milliseconds(90);
  f.inter_token_s = {0.02, 0.03};
  f.stats.device_decode = std::chrono::milliseconds(5);
  m.record(f);
  m.record(f);
  const auto text = m.render(2, 1, "");
  EXPECT_NE(text.find("npu:num_requests_running 2\n"), std::string::npos);
  EXPECT_NE(text.find("npu:num_requests_waiting 1\n"), std::string::npos);
  EXPECT_NE(text.find("npu:prompt_tokens_total{model_name=\"m\"} 14\n"), std::string::npos);
  EXPECT_NE(text.find("npu:request_success_total{model_name=\"m\",finished_reason=\"stop\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("npu:inter_token_latency_seconds_count{model_name=\"m\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("npu:time_to_first_token_seconds_bucket{model_name=\"m\",le=\"0.04\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("npu:time_to_first_token_seconds_bucket{model_name=\"m\",le=\"0.02\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("npu:device_decode_seconds_total{model_name=\"m\"} 0.01\n"), std::string::npos);
}

TEST(ServerResponse, AdmissionSlotsQueueAndRefusal) {
  Admission a(1, 1);
  std::chrono::nanoseconds q{};
  auto first = a.enter(nullptr, q);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(a.running(), 1u);
  std::atomic<bool> second_in{false};
  std::thread waiter([&] {
    std::chrono::nanoseconds wq{};
    auto t = a.enter(nullptr, wq);
    second_in = t.has_value();
  });
  while (a.waiting() == 0) std::this_thread::yield();
  auto refused = a.enter(nullptr, q);  // one running, one waiting: full
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().status, 429u);
  EXPECT_TRUE(refused.error().retry_after.has_value());
  first->release();
  waiter.join();
  EXPECT_TRUE(second_in);
  EXPECT_EQ(a.running(), 0u);  // the waiter's ticket ended with its thread

  // A waiting client that goes away leaves the queue.
  auto hold = a.enter(nullptr, q);
  ASSERT_TRUE(hold.has_value());
  auto gone = a.enter([] { return true; }, q);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().status, 0u);
  EXPECT_EQ(a.waiting(), 0u);
}

}  // namespace
}  // namespace npu::server
