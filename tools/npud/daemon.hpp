// npud: owns the device(s) through in-process VDevices (one per device group, device_groups.hpp)
// and serves clients over a Unix socket (Boost.Asio). One io thread does the socket work and the
// quick requests; the others run concurrently on threads of the client that sent them, so neither
// a slow load nor a blocking run of one client (or of one of its threads) holds up any other
// request, and no client can take another's threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without it

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"
#include "device_groups.hpp"
#include "npu/runtime.hpp"

namespace npu::npud {

class ClientSession;

struct DaemonOptions {
  std::string socket_path;
  std::vector<std::string> devices;  // VDeviceParams::device_ids ({"all"} = every device)
  std::size_t worker_threads = 16;  // per client: blocking requests (loads, sync runs, prefill) at once
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

  [[nodiscard]] DeviceGroups& groups() noexcept { return *groups_; }
  [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
  [[nodiscard]] const DaemonOptions& options() const noexcept { return options_; }
  [[nodiscard]] std::uint64_t next_handle() noexcept { return ++next_handle_; }
  [[nodiscard]] const std::filesystem::path& scratch_dir() const noexcept { return scratch_; }
  [[nodiscard]] nlohmann::json status();
  void forget(std::uint64_t client);
  // Runs `work` on a thread of its own; run() waits for every such thread before it returns.
  void run_detached(std::function<void()> work);

 private:
  Daemon(DaemonOptions options, std::unique_ptr<DeviceGroups> groups);
  void accept();

  DaemonOptions options_;
  std::unique_ptr<DeviceGroups> groups_;
  boost::asio::io_context io_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::signal_set signals_;
  std::filesystem::path scratch_;  // context files in transit
  std::mutex clients_mutex_;
  std::map<std::uint64_t, std::weak_ptr<ClientSession>> clients_;
  std::atomic<std::uint64_t> next_client_{0}, next_handle_{0};
  std::mutex detached_mutex_;
  std::condition_variable detached_cv_;
  std::size_t detached_ = 0;
};

}  // namespace npu::npud
