#include "client_session.hpp"

#include <sys/socket.h>

#include <thread>

#include <fmt/format.h>

#include "daemon.hpp"
#include "npu/common/log.hpp"
#include "wire/api_json.hpp"
#include "wire/unix_socket.hpp"

namespace npu::npud {

namespace asio = boost::asio;

ClientSession::ClientSession(Daemon& daemon, asio::local::stream_protocol::socket socket, std::uint64_t id)
    : daemon_(daemon), socket_(std::move(socket)), id_(id) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) pid_ = cred.pid;
}

ClientSession::~ClientSession() = default;

void ClientSession::start() {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  log().info("npud: client {} connected (pid {})", id_, pid_);
  wait_readable();
}

void ClientSession::wait_readable() {
  socket_.async_wait(asio::socket_base::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) {
      self->close(ec == asio::error::operation_aborted ? "shutting down" : ec.message());
      return;
    }
    self->on_readable();
  });
}

void ClientSession::on_readable() {
  std::vector<std::byte> buffer(64 * 1024);
  while (!closed_) {
    std::vector<UniqueFd> fds;
    auto n = recv_some(socket_.native_handle(), buffer, fds, /*nonblocking=*/true);
    for (auto& fd : fds) parser_.feed_fd(std::move(fd));
    if (!n) {
      if (n.error().code() == ErrorCode::kBusy) break;
      close(n.error().message());
      return;
    }
    if (*n == 0) {
      close("the client closed the connection");
      return;
    }
    parser_.feed(std::span(buffer).first(*n));
    while (!closed_) {
      auto frame = parser_.next();
      if (!frame) {
        // Garbage or another protocol version: say why (in our version's framing) and hang up.
        log().warn("npud: client {} (pid {}): {}; closing the connection", id_, pid_, frame.error().message());
        if (!writing_ && out_.empty()) {  // nothing half-written: the error frame goes out whole
          auto bytes = encode_frame(MessageType::kError, parser_.last_header().request_id, error_json(frame.error()));
          (void)send_all(socket_.native_handle(), bytes);
        }
        close("malformed frame");
        return;
      }
      if (!*frame) break;
      handle(std::move(**frame));
    }
  }
  if (!closed_) wait_readable();
}

void ClientSession::handle(Frame frame) {
  auto body = frame.body();
  if (!body) {
    log().warn("npud: client {} (pid {}): {}", id_, pid_, body.error().message());
    reply(frame.header.request_id, fail(body.error()));
    return;
  }
  if (!hello_done_ && frame.type() != MessageType::kHello) {
    log().warn("npud: client {} (pid {}) sent {} before hello; closing", id_, pid_, to_string(frame.type()));
    if (!writing_ && out_.empty()) {  // said directly: queued frames are dropped on close
      Error e(ErrorCode::kBadFormat, "the first message must be hello");
      (void)send_all(socket_.native_handle(), encode_frame(MessageType::kError, frame.header.request_id, error_json(e)));
    }
    close("no hello");
    return;
  }
  // Quick requests are answered here, in arrival order: hello, status, abort, and the submission
  // of asynchronous runs and scheduler knobs (their order is the order the device sees). The rest
  // may block (loads, synchronous runs, prefill, status) and runs concurrently on this client's
  // own threads.
  const auto type = frame.type();
  if (monitor_ && type != MessageType::kStatus) {
    reply(frame.header.request_id,
          fail(ErrorCode::kInvalidArgument, fmt::format("{} on a monitor connection (hello with monitor: true), which "
                                                        "asks for status only: connect without monitor", to_string(type))));
    return;
  }
  const bool quick = type == MessageType::kHello || type == MessageType::kLlmAbort ||
                     type == MessageType::kSetScheduler || type == MessageType::kSchedulerStats ||
                     (type == MessageType::kRun && !body->contains("timeout_ms"));
  if (quick) {
    dispatch(frame, *body);
    return;
  }
  run_blocking([self = shared_from_this(), frame = std::make_shared<Frame>(std::move(frame)), body = std::move(*body)] {
    if (!self->closed_) self->dispatch(*frame, body);
  });
}

void ClientSession::run_blocking(std::function<void()> work) {
  task_started();
  {
    std::lock_guard lock(tasks_mutex_);
    blocking_queue_.push_back(std::move(work));
    if (blocking_threads_ >= daemon_.options().worker_threads) return;  // a busy thread takes it next
    ++blocking_threads_;
  }
  daemon_.run_detached([self = shared_from_this()] { self->blocking_worker(); });
}

void ClientSession::blocking_worker() {
  while (true) {
    std::function<void()> work;
    {
      std::lock_guard lock(tasks_mutex_);
      if (blocking_queue_.empty()) {
        --blocking_threads_;
        return;
      }
      work = std::move(blocking_queue_.front());
      blocking_queue_.pop_front();
    }
    work();
    work = nullptr;  // what it held goes before cleanup may run
    task_ended();
  }
}

void ClientSession::task_started() {
  std::lock_guard lock(tasks_mutex_);
  ++tasks_;
}

void ClientSession::task_ended() {
  {
    std::lock_guard lock(tasks_mutex_);
    --tasks_;
  }
  tasks_cv_.notify_all();
}

void ClientSession::dispatch(Frame& frame, const Json& body) {
  const auto id = frame.header.request_id;
  try {
    switch (frame.type()) {
      case MessageType::kHello: reply(id, on_hello(body)); return;
      case MessageType::kStatus: reply(id, daemon_.status()); return;
      case MessageType::kLlmAbort: on_llm_abort(body); reply(id, Json::object()); return;
      case MessageType::kDeviceStats: {
        std::size_t device = 0;
        read_field(body, "device", device);
        auto stats = vdevice().stats(device);
        reply(id, stats ? Expected<Json>(to_json(*stats)) : Expected<Json>(fail(stats.error())));
        return;
      }
      case MessageType::kSchedulerStats: reply(id, to_json(vdevice().scheduler_stats())); return;
      case MessageType::kConfigure: reply(id, on_configure(frame, body)); return;
      case MessageType::kRun: on_run(id, body); return;
      case MessageType::kSetScheduler: reply(id, on_set_scheduler(body)); return;
      case MessageType::kReleaseModel: reply(id, on_release_model(body)); return;
      case MessageType::kLlmCreate: reply(id, on_llm_create(frame, body)); return;
      case MessageType::kLlmCreateSession: reply(id, on_llm_create_session(body)); return;
      case MessageType::kLlmRelease: reply(id, on_llm_release(body)); return;
      case MessageType::kLlmGenerate: reply(id, on_llm_generate(body)); return;
      case MessageType::kLlmPrefill: on_llm_prefill(id, body); return;
      case MessageType::kLlmClear: reply(id, on_llm_clear(body)); return;
      case MessageType::kLlmSaveContext: on_llm_save(id, body); return;
      case MessageType::kLlmLoadContext: reply(id, on_llm_load(frame, body)); return;
      case MessageType::kLlmSetPriority: reply(id, on_llm_set_priority(body)); return;
      default:
        log().warn("npud: client {} (pid {}) sent unknown message type {}", id_, pid_, frame.header.type);
        reply(id, fail(ErrorCode::kUnsupported,
                       fmt::format("npud does not know message type {}: use an npud from the same npustack release",
                                   frame.header.type)));
    }
  } catch (const std::exception& e) {  // a malformed field the handler did not expect
    log().warn("npud: client {}: {} request refused: {}", id_, to_string(frame.type()), e.what());
    reply(id, fail(ErrorCode::kBadFormat, fmt::format("{} request is malformed: {}", to_string(frame.type()), e.what())));
  }
}

Expected<nlohmann::json> ClientSession::on_hello(const Json& body) {
  if (hello_done_) return fail(ErrorCode::kInvalidArgument, "hello was already said on this connection");
  bool monitor = false;
  read_field(body, "monitor", monitor);
  if (monitor) {
    std::lock_guard lock(info_mutex_);
    monitor_ = true;
    hello_done_ = true;
    return Json{{"client", id_}, {"protocol_version", kProtocolVersion}};
  }
  std::vector<std::string> wanted;
  std::string group_id = kDefaultGroup;
  read_field(body, "device_ids", wanted);
  read_field(body, "group_id", group_id);
  NPU_TRY_ASSIGN(group_, daemon_.groups().join(group_id, wanted, id_));
  {
    std::lock_guard lock(info_mutex_);
    group_name_ = group_->id;
    hello_done_ = true;
  }
  log().info("npud: client {} (pid {}) joined group '{}'", id_, pid_, group_->id);
  auto& v = vdevice();
  Json devices = Json::array();
  for (std::size_t i = 0; i < v.device_count(); ++i) devices.push_back(to_json(v.identity(i)));
  return Json{{"devices", std::move(devices)}, {"client", id_}, {"group", group_->id},
              {"protocol_version", kProtocolVersion}};
}

nlohmann::json ClientSession::status() const {
  std::lock_guard lock(info_mutex_);
  return {{"id", id_}, {"pid", pid_}, {"group", monitor_ ? Json(nullptr) : Json(group_name_)},
          {"models", n_models_.load()}, {"llm_sessions", n_sessions_.load()},
          {"shared_llm_sessions", shared_sessions_.load()}, {"generations", n_generations_.load()},
          {"shm_bytes", shm_bytes_.load()}};
}

void ClientSession::count_resources() {
  std::uint64_t shm = 0;
  for (const auto& [id, m] : resources_.models) shm += m->shm.size();
  n_models_ = resources_.models.size();
  n_sessions_ = resources_.sessions.size();
  n_generations_ = resources_.generations.size();
  shm_bytes_ = shm;
}

void ClientSession::send(MessageType type, std::uint32_t request_id, const Json& body, std::vector<std::byte> binary) {
  if (closed_) return;
  auto frame = encode_frame(type, request_id, dump_json(body), binary);
  asio::post(daemon_.io(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    if (self->closed_) return;
    self->out_.push_back(std::move(frame));
    if (!self->writing_) self->write_next();
  });
}

void ClientSession::reply(std::uint32_t request_id, const Expected<Json>& result, std::vector<std::byte> binary) {
  if (result) send(MessageType::kReply, request_id, *result, std::move(binary));
  else send(MessageType::kError, request_id, Json::parse(error_json(result.error())));
}

void ClientSession::write_next() {
  if (out_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_.front()),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->out_.pop_front();
                      if (ec) {
                        self->close(ec.message());
                        return;
                      }
                      self->write_next();
                    });
}

void ClientSession::close(const std::string& why) {
  if (closed_.exchange(true)) return;
  log().info("npud: client {} (pid {}) disconnected ({}); freeing its resources", id_, pid_, why);
  boost::system::error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_both, ec);
  socket_.close(ec);
  // Its own thread: it waits for this client's running requests, which may take a while.
  daemon_.run_detached([self = shared_from_this()] { self->cleanup(); });
}

void ClientSession::shutdown_now() {
  closed_ = true;
  cleanup();
}

void ClientSession::cleanup() {
  std::lock_guard once(cleanup_mutex_);  // close() and shutdown_now() may both get here
  if (cleaned_) return;
  cleaned_ = true;
  std::size_t generations = 0;
  {
    std::lock_guard lock(resources_mutex_);
    generations = resources_.generations.size();
    for (auto& [stream, g] : resources_.generations) g->abort = true;
    // A synchronous run held in the queue by its model's threshold would keep its request (and
    // so this cleanup) waiting until its timeout: make the frames queued now ready to run.
    for (auto& [id, m] : resources_.models) {
      if (m->configured) (void)m->configured->set_scheduler_threshold(1);
    }
  }
  {
    // Requests in progress finish (their replies are dropped); pumps see the abort and end.
    std::unique_lock lock(tasks_mutex_);
    tasks_cv_.wait(lock, [&] { return tasks_ == 0; });
  }
  ClientResources held;
  {
    std::lock_guard lock(resources_mutex_);
    std::swap(held, resources_);
    count_resources();
  }
  const auto models = held.models.size(), sessions = held.sessions.size();
  held.generations.clear();
  held.sessions.clear();
  held.models.clear();  // drops queued runs, waits for running ones, then unmaps
  if (group_) daemon_.groups().leave(std::move(group_));
  group_.reset();
  daemon_.forget(id_);
  if (models + sessions + generations > 0) {
    log().info("npud: client {} freed: {} models, {} LLM sessions, {} generations", id_, models, sessions, generations);
  }
}

}  // namespace npu::npud
