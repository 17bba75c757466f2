// npud's protocol edges: another protocol version, garbage bytes, malformed requests. The daemon
// refuses each with a clear message and keeps serving everyone else.
#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "npud_fixture.hpp"

namespace {

// Disconnected clients (a refused or garbage-sending one, the fixture's readiness probe) are
// cleaned up asynchronously: poll the daemon's status for a bounded time until one client is left.
nlohmann::json settled_status(const std::function<nlohmann::json()>& status) {
  nlohmann::json s;
  for (int i = 0; i < 100; ++i) {
    s = status();
    if (s["totals"].value("clients", 0) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return s;
}

}  // namespace

namespace npu::test {
namespace {

TEST(NpudProtocol, OtherVersionIsRefusedByName) {
  NpudProcess npud;
  RawClient c(npud.socket());
  ASSERT_TRUE(c.send(npud::MessageType::kHello, {{"client", "future"}}, /*version=*/2));
  auto reply = c.receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->header.version, npud::kProtocolVersion);
  EXPECT_EQ(reply->type(), npud::MessageType::kError);
  auto body = reply->body();
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(npud::error_from_json(*body).code(), ErrorCode::kVersionMismatch);
  EXPECT_NE((*body)["message"].get<std::string>().find("version 2 is not supported"), std::string::npos) << body->dump();
  EXPECT_FALSE(c.receive().has_value());  // then it hangs up
  auto status = settled_status([&] { return npud.status(); });
  EXPECT_EQ(status["totals"].value("clients", 0), 1) << status.dump();  // and still serves others
}

TEST(NpudProtocol, GarbageClosesOnlyThatConnection) {
  NpudProcess npud;
  RawClient good(npud.socket());
  ASSERT_TRUE(good.hello());
  RawClient bad(npud.socket());
  std::mt19937_64 rng(5);
  std::vector<std::byte> junk(4096);
  for (auto& b : junk) b = static_cast<std::byte>(rng());
  ASSERT_TRUE(bad.send_bytes(junk));
  // Either an error frame naming the bad magic, then the close, or just the close.
  auto reply = bad.receive();
  if (reply) {
    EXPECT_EQ(reply->type(), npud::MessageType::kError);
    EXPECT_FALSE(bad.receive().has_value());
  }
  auto status = settled_status([&] { return good.call(npud::MessageType::kStatus, nlohmann::json::object()); });
  EXPECT_EQ(status["totals"].value("clients", 0), 1) << status.dump();
}

TEST(NpudProtocol, MalformedRequestsGetErrorsNotCrashes) {
  NpudProcess npud;
  RawClient c(npud.socket());
  // Before hello: refused.
  RawClient early(npud.socket());
  auto refused = early.call(npud::MessageType::kStatus, nlohmann::json::object());
  EXPECT_NE(refused.value("message", std::string()).find("first message must be hello"), std::string::npos);

  ASSERT_TRUE(c.hello());
  // Not JSON.
  ASSERT_TRUE(c.send_bytes(npud::encode_frame(npud::MessageType::kStatus, 9, "{not json")));
  auto r = c.receive();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->type(), npud::MessageType::kError);
  // Unknown message type, wrong field types, unknown handles, configure without descriptors.
  auto unknown = c.call(static_cast<npud::MessageType>(999), nlohmann::json::object());
  EXPECT_EQ(unknown.value("code", 0u), static_cast<unsigned>(ErrorCode::kUnsupported));
  auto typed = c.call(npud::MessageType::kLlmGenerate, {{"session", "x"}, {"tokens", "nope"}});
  EXPECT_TRUE(typed.contains("message"));
  auto run = c.call(npud::MessageType::kRun, {{"model", 12345}, {"slot", 0}});
  EXPECT_EQ(run.value("code", 0u), static_cast<unsigned>(ErrorCode::kNotFound));
  auto configure = c.call(npud::MessageType::kConfigure, {{"path", "x.npk"}, {"slots", 4}});
  EXPECT_NE(configure.value("message", std::string()).find("descriptors"), std::string::npos);
  auto again = c.call(npud::MessageType::kHello, {{"client", "raw-test"}});
  EXPECT_NE(again.value("message", std::string()).find("hello was already said"), std::string::npos) << again.dump();
  // A monitor connection gets status, and nothing that needs a device group.
  RawClient monitor(npud.socket());
  ASSERT_TRUE(monitor.monitor_hello());
  EXPECT_TRUE(monitor.call(npud::MessageType::kStatus, nlohmann::json::object()).contains("groups"));
  auto refused_run = monitor.call(npud::MessageType::kRun, {{"model", 1}, {"slot", 0}});
  EXPECT_NE(refused_run.value("message", std::string()).find("monitor connection"), std::string::npos)
      << refused_run.dump();
  // An oversized frame header: refused and closed, the daemon lives on.
  npud::FrameHeader h;
  h.type = static_cast<std::uint16_t>(npud::MessageType::kStatus);
  h.json_bytes = npud::kMaxJsonBytes + 1;
  ASSERT_TRUE(c.send_bytes(std::as_bytes(std::span(&h, 1))));
  auto closing = c.receive();
  if (closing) {
    EXPECT_EQ(closing->type(), npud::MessageType::kError);
  }
  EXPECT_FALSE(c.receive().has_value());
  EXPECT_FALSE(npud.status().empty());
}

}  // namespace
}  // namespace npu::test
