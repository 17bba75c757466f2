#include "daemon.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "client_session.hpp"
#include "npu/common/log.hpp"
#include "wire/unix_socket.hpp"
#include "wire/api_json.hpp"

namespace npu::npud {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

// The daemon's own footprint, for monitoring and the soak test: open descriptors and resident
// memory (from /proc/self; a non-dumpable process can still read its own).
nlohmann::json process_footprint() {
  std::size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  std::uint64_t rss_kib = 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return {{"fds", fds > 0 ? fds - 1 : 0}, {"rss_kib", rss_kib}};  // minus the directory's own
}

// A socket file left by a daemon that died is removed; a live daemon's is refused.
Expected<void> claim_socket_path(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    return {};
  }
  if (auto probe = connect_unix(path); probe) {
    return fail(ErrorCode::kBusy, fmt::format("another npud is already serving {}: stop it first", path));
  }
  std::filesystem::remove(path, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("removing the stale socket {}: {}", path, ec.message()));
  return {};
}

}  // namespace

Expected<std::unique_ptr<Daemon>> Daemon::create(const DaemonOptions& options) {
  NPU_TRY_ASSIGN(auto groups, DeviceGroups::create(options.devices));
  NPU_TRY(claim_socket_path(options.socket_path));
  std::unique_ptr<Daemon> d(new Daemon(options, std::move(groups)));
  boost::system::error_code ec;
  d->acceptor_.open(local(), ec);
  {
    // The socket is created 0660 (owner and group: the `npu` group) whatever the umask, so it is
    // never reachable by others, not even between bind and a chmod.
    const mode_t before = ::umask(0117);
    if (!ec) d->acceptor_.bind(local::endpoint(options.socket_path), ec);
    ::umask(before);
  }
  if (!ec) d->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("listening on {}: {}", options.socket_path, ec.message()));
  if (::chmod(options.socket_path.c_str(), 0660) != 0) {  // the socket's group may use the NPU
    return fail(ErrorCode::kIo, fmt::format("setting the permissions of {}: {}", options.socket_path,
                                            std::strerror(errno)));
  }
  char scratch[] = "/tmp/npud-XXXXXX";
  if (::mkdtemp(scratch) == nullptr) return fail(ErrorCode::kIo, "cannot create a scratch directory in /tmp");
  d->scratch_ = scratch;
  return d;
}

Daemon::Daemon(DaemonOptions options, std::unique_ptr<DeviceGroups> groups)
    : options_(std::move(options)), groups_(std::move(groups)),
      acceptor_(io_), signals_(io_, SIGINT, SIGTERM) {}

Daemon::~Daemon() {
  stop();
  std::error_code ec;
  std::filesystem::remove(options_.socket_path, ec);
  if (!scratch_.empty()) std::filesystem::remove_all(scratch_, ec);
}

void Daemon::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) log().info("npud: signal {}, shutting down", sig);
    stop();
  });
  accept();
  log().info("npud: serving {} device(s) on {}", groups_->owned().size(), options_.socket_path);
  io_.run();
  // Sessions still open are closed: their resources go before the VDevice.
  std::vector<std::shared_ptr<ClientSession>> open;
  {
    std::lock_guard lock(clients_mutex_);
    for (auto& [id, weak] : clients_) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }
  for (auto& c : open) c->shutdown_now();
  {
    std::unique_lock lock(detached_mutex_);
    detached_cv_.wait(lock, [&] { return detached_ == 0; });
  }
  groups_->close_all();
}

void Daemon::run_detached(std::function<void()> work) {
  {
    std::lock_guard lock(detached_mutex_);
    ++detached_;
  }
  std::thread([this, work = std::move(work)]() mutable {
    work();
    work = nullptr;  // what it captured goes first
    // Notify under the lock: once the count reaches 0 run() may return and the Daemon go away,
    // so nothing of it may be touched after the mutex is released.
    std::lock_guard lock(detached_mutex_);
    --detached_;
    detached_cv_.notify_all();
  }).detach();
}

void Daemon::stop() {
  asio::post(io_, [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    io_.stop();
  });
}

void Daemon::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, local::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted) log().warn("npud: accept failed: {}", ec.message());
      if (acceptor_.is_open()) accept();
      return;
    }
    const std::uint64_t id = ++next_client_;
    auto client = std::make_shared<ClientSession>(*this, std::move(socket), id);
    {
      std::lock_guard lock(clients_mutex_);
      clients_[id] = client;
    }
    client->start();
    accept();
  });
}

void Daemon::forget(std::uint64_t client) {
  std::lock_guard lock(clients_mutex_);
  clients_.erase(client);
}

nlohmann::json Daemon::status() {
  std::vector<std::shared_ptr<ClientSession>> live;
  {
    std::lock_guard lock(clients_mutex_);
    for (auto& [id, weak] : clients_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  nlohmann::json clients = nlohmann::json::array();
  nlohmann::json totals = {{"clients", 0}, {"models", 0}, {"llm_sessions", 0}, {"generations", 0}, {"shm_bytes", 0}};
  for (const auto& c : live) {
    auto s = c->status();
    for (const char* k : {"models", "llm_sessions", "generations", "shm_bytes"}) {
      totals[k] = totals[k].get<std::uint64_t>() + s[k].get<std::uint64_t>();
    }
    totals["clients"] = totals["clients"].get<std::uint64_t>() + 1;
    clients.push_back(std::move(s));
  }
  // (Device statistics ask the devices: not under clients_mutex_, which accepting a client takes.)
  return {{"pid", ::getpid()}, {"protocol_version", kProtocolVersion}, {"devices", groups_->owned()},
          {"clients", std::move(clients)}, {"totals", std::move(totals)}, {"groups", groups_->status()},
          {"scheduler", to_json(groups_->scheduler_stats())}, {"process", process_footprint()}};
}

}  // namespace npu::npud
