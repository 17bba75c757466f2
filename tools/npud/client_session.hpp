// One client connection of npud: reads frames (with the descriptors passed alongside), runs each
// request on the client's strand, writes replies and generation events in order, and frees
// everything the client held when the connection closes: a client that dies disturbs no one.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without it

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "client_resources.hpp"
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
  void cleanup();  // on the strand

  // Request handlers (on the strand). They return the reply body or an error.
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

  Expected<std::shared_ptr<DaemonModel>> find_model(const Json& body);
  Expected<std::shared_ptr<DaemonLlm>> find_session(const Json& body, const char* key = "session");
  Expected<Json> add_session(std::unique_ptr<genai::LLM> llm, std::string path);
  void pump(std::shared_ptr<DaemonGeneration> generation);
  void finish_generation(std::shared_ptr<DaemonGeneration> generation, std::optional<Error> error);
  void count_resources();

  Daemon& daemon_;
  boost::asio::local::stream_protocol::socket socket_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  const std::uint64_t id_;
  std::int64_t pid_ = -1;
  FrameParser parser_;
  bool hello_done_ = false;
  std::atomic<bool> closed_{false};
  std::deque<std::vector<std::byte>> out_;  // on the io thread
  bool writing_ = false;

  ClientResources resources_;  // on the strand
  std::mutex generations_mutex_;
  std::map<std::uint64_t, std::shared_ptr<DaemonGeneration>> generations_;  // by stream id
  std::atomic<std::uint64_t> n_models_{0}, n_sessions_{0}, shm_bytes_{0};
};

}  // namespace npu::npud
