// npud: the npustack daemon. Owns the NPU(s) and shares them among processes whose VDevice has
// multi_process = true. See docs/npud.md.
//
//   npud [--socket PATH] [--devices all|ID,...] [--workers N] [--foreground]
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/syslog_sink.h>

#include "daemon.hpp"
#include "npu/common/log.hpp"
#include "wire/protocol.hpp"

namespace {

std::vector<std::string> split_ids(const std::string& list) {
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    auto id = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!id.empty()) ids.push_back(id);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ids;
}

// Classic double fork: the daemon runs detached from the terminal and logs to syslog.
bool daemonize() {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid > 0) ::_exit(0);
  ::setsid();
  pid = ::fork();
  if (pid < 0) return false;
  if (pid > 0) ::_exit(0);
  if (std::freopen("/dev/null", "r", stdin) == nullptr || std::freopen("/dev/null", "w", stdout) == nullptr ||
      std::freopen("/dev/null", "w", stderr) == nullptr) {
    return false;
  }
  auto& logger = npu::log();
  logger.sinks().clear();
  logger.sinks().push_back(std::make_shared<spdlog::sinks::syslog_sink_mt>("npud", LOG_PID, LOG_DAEMON, false));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"npud: shares the NPU(s) among processes (VDeviceParams::multi_process = true)"};
  std::string socket = npu::npud::default_socket_path();
  std::string devices = "all";
  bool foreground = false;
  std::size_t workers = npu::npud::DaemonOptions{}.worker_threads;
  app.add_option("--socket", socket, "Unix socket to serve (default $NPU_NPUD_SOCKET or /run/npustack/npud.sock)");
  app.add_option("--devices", devices, "devices to own: all, or ids such as sim:0,pcie:0000:01:00.0");
  app.add_option("--workers", workers, "per client: requests that may block (loads, synchronous runs, prefill) served at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  app.add_flag("--foreground", foreground, "stay attached to the terminal and log to stderr (systemd uses this)");
  CLI11_PARSE(app, argc, argv);

  if (devices.empty()) {
    fmt::print(stderr, "npud: --devices is empty: give `all` or a comma-separated list of ids (see `npu scan`)\n");
    return 2;
  }
  // The daemon holds every client's shared memory and model files as descriptors: not dumpable,
  // so no process of the same user can reach them through /proc/<npud>/fd or ptrace.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  npu::npud::DaemonOptions options;
  options.socket_path = socket;
  options.worker_threads = workers;
  options.devices = devices == "all" ? std::vector<std::string>{"all"} : split_ids(devices);
  auto daemon = npu::npud::Daemon::create(options);
  if (!daemon) {
    fmt::print(stderr, "npud: {}\n", daemon.error().what());
    return 1;
  }
  // Under systemd (Type=simple) the service manager does the detaching and collects stderr.
  if (std::getenv("INVOCATION_ID") != nullptr) foreground = true;
  if (!foreground && !daemonize()) {
    fmt::print(stderr, "npud: could not detach from the terminal: run with --foreground\n");
    return 1;
  }
  npu::log().info("npud: pid {}, protocol version {}", ::getpid(), npu::npud::kProtocolVersion);
  (*daemon)->run();
  return 0;
}
