// npud: owns the device(s) through an in-process VDevice and serves clients over a Unix socket
// (Boost.Asio). One io thread does the socket work; each client's requests run in order on a
// strand of a small thread pool, so one client's slow load does not stall the others.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without it

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"
#include "npu/runtime.hpp"

namespace npu::npud {

class ClientSession;

struct DaemonOptions {
  std::string socket_path;
  std::vector<std::string> devices;  // VDeviceParams::device_ids ({"all"} = every device)
  std::size_t worker_threads = 4;
};

class Daemon {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<Daemon>> create(const DaemonOptions& options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Serves until SIGINT/SIGTERM or stop().
  void run();
  void stop();

  [[nodiscard]] VDevice& vdevice() noexcept { return *vdevice_; }
  [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
  [[nodiscard]] boost::asio::thread_pool& pool() noexcept { return pool_; }
  [[nodiscard]] std::uint64_t next_handle() noexcept { return ++next_handle_; }
  [[nodiscard]] const std::filesystem::path& scratch_dir() const noexcept { return scratch_; }
  [[nodiscard]] nlohmann::json status();
  void forget(std::uint64_t client);

 private:
  Daemon(DaemonOptions options, std::unique_ptr<VDevice> vdevice);
  void accept();

  DaemonOptions options_;
  std::unique_ptr<VDevice> vdevice_;
  boost::asio::io_context io_;
  boost::asio::thread_pool pool_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::signal_set signals_;
  std::filesystem::path scratch_;  // context files in transit
  std::mutex clients_mutex_;
  std::map<std::uint64_t, std::weak_ptr<ClientSession>> clients_;
  std::atomic<std::uint64_t> next_client_{0}, next_handle_{0};
};

}  // namespace npu::npud
