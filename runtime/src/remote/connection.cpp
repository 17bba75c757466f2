#include "remote/connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include <fmt/format.h>

#include "npu/common/log.hpp"
#include "wire/api_json.hpp"
#include "wire/unix_socket.hpp"

namespace npu::remote {

using npud::MessageType;

Expected<std::shared_ptr<Connection>> Connection::open(const std::string& path, const nlohmann::json& hello) {
  NPU_TRY_ASSIGN(auto fd, npud::connect_unix(path));
  std::shared_ptr<Connection> c(new Connection(path, std::move(fd)));
  c->reader_ = std::thread([raw = c.get()] { raw->reader_loop(); });
  NPU_TRY_ASSIGN(auto reply, c->call(MessageType::kHello, hello));
  c->hello_reply_ = std::move(reply.body);
  return c;
}

Connection::~Connection() {
  ::shutdown(socket_.get(), SHUT_RDWR);
  if (reader_.joinable()) {
    if (reader_.get_id() == std::this_thread::get_id()) reader_.detach();
    else reader_.join();
  }
}

Error Connection::lost_error() const {
  return Error(ErrorCode::kDeviceLost, npud::not_running_message(path_));
}

Expected<void> Connection::send(MessageType type, std::uint32_t id, const nlohmann::json& body,
                                std::span<const std::byte> binary, std::span<const int> fds) {
  auto frame = npud::encode_frame(type, id, npud::dump_json(body), binary, static_cast<std::uint16_t>(fds.size()));
  std::lock_guard lock(send_mutex_);
  auto sent = npud::send_all(socket_.get(), frame, fds);
  if (!sent) return fail(lost_error());
  return {};
}

Expected<Reply> Connection::call(MessageType type, const nlohmann::json& body, std::span<const std::byte> binary,
                                 std::span<const int> fds) {
  auto promise = std::make_shared<std::promise<Expected<Reply>>>();
  auto future = promise->get_future();
  const std::uint32_t id = ++next_id_;
  {
    std::lock_guard lock(mutex_);
    if (lost_) return fail(lost_reason_ ? *lost_reason_ : lost_error());
    pending_.emplace(id, [promise](Expected<Reply> r) { promise->set_value(std::move(r)); });
  }
  if (auto sent = send(type, id, body, binary, fds); !sent) {
    std::lock_guard lock(mutex_);
    if (pending_.erase(id) > 0) return fail(sent.error());
  }
  return future.get();
}

Expected<void> Connection::call_async(MessageType type, const nlohmann::json& body, ReplyHandler handler) {
  const std::uint32_t id = ++next_id_;
  {
    std::lock_guard lock(mutex_);
    if (lost_) return fail(lost_reason_ ? *lost_reason_ : lost_error());
    pending_.emplace(id, std::move(handler));
  }
  if (auto sent = send(type, id, body, {}, {}); !sent) {
    std::lock_guard lock(mutex_);
    if (pending_.erase(id) > 0) return fail(sent.error());  // else the reader already failed it
  }
  return {};
}

void Connection::subscribe(std::uint64_t stream, EventHandler handler) {
  std::unique_lock lock(mutex_);
  if (lost_) {
    Error e = lost_reason_ ? *lost_reason_ : lost_error();
    lock.unlock();
    handler(fail(std::move(e)));
    return;
  }
  streams_[stream] = std::move(handler);
}

void Connection::unsubscribe(std::uint64_t stream) {
  std::lock_guard lock(mutex_);
  streams_.erase(stream);
}

void Connection::reader_loop() {
  npud::FrameParser parser;
  std::vector<std::byte> buffer(64 * 1024);
  std::vector<UniqueFd> fds;
  while (true) {
    auto n = npud::recv_some(socket_.get(), buffer, fds);
    if (!n || *n == 0) {
      lose(lost_error());
      return;
    }
    fds.clear();  // npud sends no descriptors; close any that arrive
    parser.feed(std::span(buffer).first(*n));
    while (true) {
      auto frame = parser.next();
      if (!frame) {
        npu::log().error("npud at {} sent a malformed frame: {}", path_, frame.error().what());
        lose(Error(frame.error().code() == ErrorCode::kVersionMismatch ? ErrorCode::kVersionMismatch
                                                                        : ErrorCode::kDeviceLost,
                   fmt::format("npud at {}: {}", path_, frame.error().message())));
        ::shutdown(socket_.get(), SHUT_RDWR);
        return;
      }
      if (!*frame) break;
      dispatch(std::move(**frame));
    }
  }
}

void Connection::dispatch(npud::Frame frame) {
  auto body = frame.body();
  if (frame.type() == MessageType::kLlmEvent) {
    EventHandler handler;
    std::uint64_t stream = 0;
    if (body) npud::read_field(*body, "stream", stream);
    {
      std::lock_guard lock(mutex_);
      if (auto it = streams_.find(stream); it != streams_.end()) handler = it->second;
    }
    if (!handler) return;  // a stream the client already gave up
    if (!body) handler(fail(body.error()));
    else handler(Reply{std::move(*body), std::move(frame.binary)});
    return;
  }
  ReplyHandler handler;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(frame.header.request_id);
    if (it == pending_.end()) {
      npu::log().warn("npud at {} answered unknown request {}", path_, frame.header.request_id);
      return;
    }
    handler = std::move(it->second);
    pending_.erase(it);
  }
  if (!body) handler(fail(body.error()));
  else if (frame.type() == MessageType::kError) handler(fail(npud::error_from_json(*body)));
  else handler(Reply{std::move(*body), std::move(frame.binary)});
}

void Connection::lose(const Error& why) {
  std::map<std::uint32_t, ReplyHandler> pending;
  std::map<std::uint64_t, EventHandler> streams;
  {
    std::lock_guard lock(mutex_);
    if (!lost_) lost_reason_ = why;
    lost_ = true;
    pending.swap(pending_);
    streams.swap(streams_);
  }
  for (auto& [id, h] : pending) h(fail(why));
  for (auto& [id, h] : streams) h(fail(why));
}

}  // namespace npu::remote
