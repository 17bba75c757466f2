// One client connection of npud: reads frames (with the descriptors passed alongside), answers
// quick requests on the io thread in arrival order (hello, abort, asynchronous runs, knobs) and
// runs the others concurrently on threads of its own, so one connection carries many requests in
// flight: the replies and generation events go back tagged with the request or stream id, in
// whatever order they finish. Requests on one LLM session stay in order (the session's mutex).
// When the connection closes, everything the client held is freed: a client that dies disturbs
// no one.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without it

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "client_resources.hpp"
#include "device_groups.hpp"
#include "wire/frame.hpp"

namespace npu::npud {

class Daemon;

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Daemon& daemon, boost::asio::local::stream_protocol::socket socket, std::uint64_t id);
  ~ClientSession();

  void start();
  // Frees the client's resources now (daemon shutdown); blocks until done.
  void shutdown_now();
  [[nodiscard]] nlohmann::json status() const;

  // Thread-safe: queues a frame for the client (dropped once the connection is closed).
  void send(MessageType type, std::uint32_t request_id, const nlohmann::json& body,
            std::vector<std::byte> binary = {});
  void reply(std::uint32_t request_id, const Expected<nlohmann::json>& result, std::vector<std::byte> binary = {});

 private:
  using Json = nlohmann::json;
  void wait_readable();
  void on_readable();
  void handle(Frame frame);
  void dispatch(Frame& frame, const Json& body);
  void write_next();
  void close(const std::string& why);
  void cleanup();  // after every task of this client has ended
  // Work counted until it ends (blocking requests, generation pumps): cleanup waits for it.
  void task_started();
  void task_ended();
  // Runs `work` on one of this client's threads (at most --workers at once; more wait in order).
  void run_blocking(std::function<void()> work);
  void blocking_worker();

  // Request handlers. They return the reply body or an error.
  Expected<Json> on_hello(const Json& body);
  Expected<Json> on_configure(Frame& frame, const Json& body);
  void on_run(std::uint32_t request_id, const Json& body);
  Expected<Json> on_set_scheduler(const Json& body);
  Expected<Json> on_release_model(const Json& body);
  Expected<Json> on_llm_create(Frame& frame, const Json& body);
  Expected<Json> on_llm_create_session(const Json& body);
  Expected<Json> on_llm_release(const Json& body);
  Expected<Json> on_llm_generate(const Json& body);
  void on_llm_abort(const Json& body);
  void on_llm_prefill(std::uint32_t request_id, const Json& body);
  Expected<Json> on_llm_clear(const Json& body);
  void on_llm_save(std::uint32_t request_id, const Json& body);
  Expected<Json> on_llm_load(const Frame& frame, const Json& body);
  Expected<Json> on_llm_set_priority(const Json& body);

  [[nodiscard]] VDevice& vdevice() const { return *group_->vdevice; }
  Expected<std::shared_ptr<DaemonModel>> find_model(const Json& body);
  Expected<std::shared_ptr<DaemonLlm>> find_session(const Json& body, const char* key = "session");
  Expected<Json> add_session(std::shared_ptr<DaemonLlm> session, bool shared);
  void pump(std::shared_ptr<DaemonGeneration> generation);
  void finish_generation(const std::shared_ptr<DaemonGeneration>& generation, std::optional<Error> error);
  void count_resources();  // caller holds resources_mutex_

  Daemon& daemon_;
  boost::asio::local::stream_protocol::socket socket_;
  const std::uint64_t id_;
  std::int64_t pid_ = -1;
  FrameParser parser_;
  std::shared_ptr<DeviceGroup> group_;  // set by hello (io thread) before any other request runs
  mutable std::mutex info_mutex_;  // guards the three below for status(); the io thread writes them
  std::string group_name_;         // group_'s id (group_ itself is reset by cleanup)
  bool hello_done_ = false, monitor_ = false;  // a monitor asks for status only
  std::atomic<bool> closed_{false};
  std::deque<std::vector<std::byte>> out_;  // on the io thread
  bool writing_ = false;

  mutable std::mutex resources_mutex_;
  ClientResources resources_;
  std::mutex tasks_mutex_;
  std::condition_variable tasks_cv_;
  std::size_t tasks_ = 0;
  std::deque<std::function<void()>> blocking_queue_;  // guarded by tasks_mutex_
  std::size_t blocking_threads_ = 0;                  // guarded by tasks_mutex_
  std::mutex cleanup_mutex_;
  bool cleaned_ = false;  // guarded by cleanup_mutex_
  std::atomic<std::uint64_t> n_models_{0}, n_sessions_{0}, n_generations_{0}, shm_bytes_{0}, shared_sessions_{0};
};

}  // namespace npu::npud
