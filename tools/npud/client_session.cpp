#include "client_session.hpp"

#include <sys/socket.h>

#include <future>

#include <fmt/format.h>

#include "daemon.hpp"
#include "npu/common/log.hpp"
#include "wire/api_json.hpp"
#include "wire/unix_socket.hpp"

namespace npu::npud {

namespace asio = boost::asio;

ClientSession::ClientSession(Daemon& daemon, asio::local::stream_protocol::socket socket, std::uint64_t id)
    : daemon_(daemon), socket_(std::move(socket)), strand_(asio::make_strand(daemon.pool())), id_(id) {
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
  // Quick requests are answered here; the rest runs in order on the client's strand.
  switch (frame.type()) {
    case MessageType::kHello: reply(frame.header.request_id, on_hello(*body)); return;
    case MessageType::kStatus: reply(frame.header.request_id, daemon_.status()); return;
    case MessageType::kLlmAbort: on_llm_abort(*body); reply(frame.header.request_id, Json::object()); return;
    default: break;
  }
  asio::post(strand_, [self = shared_from_this(), frame = std::make_shared<Frame>(std::move(frame)),
                       body = std::move(*body)]() mutable {
    if (self->closed_) return;
    try {
      self->dispatch(*frame, body);
    } catch (const std::exception& e) {  // a malformed field the handler did not expect
      log().warn("npud: client {}: {} request refused: {}", self->id_, to_string(frame->type()), e.what());
      self->reply(frame->header.request_id,
                  fail(ErrorCode::kBadFormat, fmt::format("{} request is malformed: {}", to_string(frame->type()), e.what())));
    }
  });
}

void ClientSession::dispatch(Frame& frame, const Json& body) {
  const auto id = frame.header.request_id;
  switch (frame.type()) {
    case MessageType::kDeviceStats: {
      std::size_t device = 0;
      read_field(body, "device", device);
      auto stats = daemon_.vdevice().stats(device);
      reply(id, stats ? Expected<Json>(to_json(*stats)) : Expected<Json>(fail(stats.error())));
      return;
    }
    case MessageType::kSchedulerStats: reply(id, to_json(daemon_.vdevice().scheduler_stats())); return;
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
}

Expected<nlohmann::json> ClientSession::on_hello(const Json& body) {
  std::vector<std::string> wanted;
  read_field(body, "device_ids", wanted);
  auto& v = daemon_.vdevice();
  std::vector<std::string> owned;
  for (std::size_t i = 0; i < v.device_count(); ++i) owned.push_back(v.identity(i).info.id);
  const bool all = wanted.size() == 1 && wanted[0] == "all";
  if (!all) {
    for (const auto& w : wanted) {
      if (std::find(owned.begin(), owned.end(), w) == owned.end()) {
        return fail(ErrorCode::kNotFound, fmt::format("npud does not own device '{}' (it serves: {}): start npud "
                                                      "with --devices including it", w, fmt::join(owned, ", ")));
      }
    }
  }
  hello_done_ = true;
  Json devices = Json::array();
  for (std::size_t i = 0; i < v.device_count(); ++i) devices.push_back(to_json(v.identity(i)));
  return Json{{"devices", std::move(devices)}, {"client", id_}, {"protocol_version", kProtocolVersion}};
}

nlohmann::json ClientSession::status() const {
  std::uint64_t generations = 0;
  {
    auto& self = const_cast<ClientSession&>(*this);
    std::lock_guard lock(self.generations_mutex_);
    generations = generations_.size();
  }
  return {{"id", id_}, {"pid", pid_}, {"models", n_models_.load()}, {"llm_sessions", n_sessions_.load()},
          {"generations", generations}, {"shm_bytes", shm_bytes_.load()}};
}

void ClientSession::count_resources() {
  std::uint64_t shm = 0;
  for (const auto& [id, m] : resources_.models) shm += m->shm.size();
  n_models_ = resources_.models.size();
  n_sessions_ = resources_.sessions.size();
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
  asio::post(strand_, [self = shared_from_this()] { self->cleanup(); });
}

void ClientSession::shutdown_now() {
  closed_ = true;
  std::promise<void> done;
  asio::post(strand_, [&] {
    cleanup();
    done.set_value();
  });
  done.get_future().wait();
}

void ClientSession::cleanup() {
  std::map<std::uint64_t, std::shared_ptr<DaemonGeneration>> generations;
  {
    std::lock_guard lock(generations_mutex_);
    generations.swap(generations_);
  }
  for (auto& [stream, g] : generations) g->abort = true;
  for (auto& [stream, g] : generations) {
    if (g->pump.joinable()) g->pump.join();
    g->generator.reset();
  }
  const auto models = resources_.models.size(), sessions = resources_.sessions.size();
  resources_.sessions.clear();
  resources_.models.clear();  // drops queued runs, waits for running ones, then unmaps
  count_resources();
  daemon_.forget(id_);
  if (models + sessions + generations.size() > 0) {
    log().info("npud: client {} freed: {} models, {} LLM sessions, {} generations", id_, models, sessions,
               generations.size());
  }
}

}  // namespace npu::npud
