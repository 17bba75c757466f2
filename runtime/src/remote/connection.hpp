// The runtime's connection to npud: requests with replies matched by id, asynchronous requests
// whose handler runs on the reader thread, and per-generation event streams. When the daemon
// goes away every waiting request and stream gets kDeviceLost naming the socket and how to start
// npud, so nothing hangs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"
#include "wire/frame.hpp"

namespace npu::remote {

struct Reply {
  nlohmann::json body;
  std::vector<std::byte> binary;
};
using ReplyHandler = std::function<void(Expected<Reply>)>;
// One event of a stream (its JSON and binary part), or the error that ended the connection.
using EventHandler = std::function<void(Expected<Reply>)>;

class Connection {
 public:
  // Connects and says hello; the hello reply (devices) is returned by hello_reply().
  [[nodiscard]] static Expected<std::shared_ptr<Connection>> open(const std::string& path,
                                                                  const nlohmann::json& hello);
  ~Connection();  // closes the socket and joins the reader
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends a request and waits for its reply (an npud error reply becomes the Error).
  [[nodiscard]] Expected<Reply> call(npud::MessageType type, const nlohmann::json& body,
                                     std::span<const std::byte> binary = {}, std::span<const int> fds = {});
  // Sends a request; `handler` runs on the reader thread with the reply or the error.
  [[nodiscard]] Expected<void> call_async(npud::MessageType type, const nlohmann::json& body, ReplyHandler handler);

  // Events tagged with `stream` go to `handler` (on the reader thread) until unsubscribe().
  void subscribe(std::uint64_t stream, EventHandler handler);
  void unsubscribe(std::uint64_t stream);
  [[nodiscard]] std::uint64_t next_stream_id() noexcept { return ++next_stream_; }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const nlohmann::json& hello_reply() const noexcept { return hello_reply_; }
  [[nodiscard]] bool alive() const noexcept { return !lost_.load(); }
  // The error every call returns once the daemon is gone.
  [[nodiscard]] Error lost_error() const;

 private:
  Connection(std::string path, UniqueFd socket) : path_(std::move(path)), socket_(std::move(socket)) {}
  [[nodiscard]] Expected<void> send(npud::MessageType type, std::uint32_t id, const nlohmann::json& body,
                                    std::span<const std::byte> binary, std::span<const int> fds);
  void reader_loop();
  void dispatch(npud::Frame frame);
  void lose(const Error& why);

  const std::string path_;
  UniqueFd socket_;
  nlohmann::json hello_reply_;
  std::mutex send_mutex_;
  std::mutex mutex_;  // guards pending_, streams_, lost_reason_
  std::map<std::uint32_t, ReplyHandler> pending_;
  std::map<std::uint64_t, EventHandler> streams_;
  std::optional<Error> lost_reason_;
  std::atomic<bool> lost_{false};
  std::atomic<std::uint32_t> next_id_{0};
  std::atomic<std::uint64_t> next_stream_{0};
  std::thread reader_;
};

}  // namespace npu::remote
