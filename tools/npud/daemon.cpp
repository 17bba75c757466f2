#include "daemon.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "client_session.hpp"
#include "npu/common/log.hpp"
#include "wire/unix_socket.hpp"
#include "wire/api_json.hpp"

namespace npu::npud {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

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
  VDeviceParams params;
  params.device_ids = options.devices;
  params.scheduling_algorithm = SchedulingAlgorithm::kRoundRobin;
  NPU_TRY_ASSIGN(auto vdevice, VDevice::create(params));
  NPU_TRY(claim_socket_path(options.socket_path));
  std::unique_ptr<Daemon> d(new Daemon(options, std::move(vdevice)));
  boost::system::error_code ec;
  d->acceptor_.open(local(), ec);
  if (!ec) d->acceptor_.bind(local::endpoint(options.socket_path), ec);
  if (!ec) d->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("listening on {}: {}", options.socket_path, ec.message()));
  ::chmod(options.socket_path.c_str(), 0660);  // the socket's group may use the NPU
  char scratch[] = "/tmp/npud-XXXXXX";
  if (::mkdtemp(scratch) == nullptr) return fail(ErrorCode::kIo, "cannot create a scratch directory in /tmp");
  d->scratch_ = scratch;
  return d;
}

Daemon::Daemon(DaemonOptions options, std::unique_ptr<VDevice> vdevice)
    : options_(std::move(options)), vdevice_(std::move(vdevice)), pool_(options_.worker_threads),
      acceptor_(io_), signals_(io_, SIGINT, SIGTERM) {}

Daemon::~Daemon() {
  stop();
  pool_.join();
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
  log().info("npud: serving {} device(s) on {}", vdevice_->device_count(), options_.socket_path);
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
  nlohmann::json clients = nlohmann::json::array();
  nlohmann::json totals = {{"clients", 0}, {"models", 0}, {"llm_sessions", 0}, {"generations", 0}, {"shm_bytes", 0}};
  std::lock_guard lock(clients_mutex_);
  for (auto& [id, weak] : clients_) {
    auto c = weak.lock();
    if (!c) continue;
    auto s = c->status();
    for (const char* k : {"models", "llm_sessions", "generations", "shm_bytes"}) {
      totals[k] = totals[k].get<std::uint64_t>() + s[k].get<std::uint64_t>();
    }
    totals["clients"] = totals["clients"].get<std::uint64_t>() + 1;
    clients.push_back(std::move(s));
  }
  return {{"pid", ::getpid()}, {"protocol_version", kProtocolVersion}, {"devices", vdevice_->device_count()},
          {"clients", std::move(clients)}, {"totals", std::move(totals)},
          {"scheduler", to_json(vdevice_->scheduler_stats())}};
}

}  // namespace npu::npud
