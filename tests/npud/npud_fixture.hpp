// Shared set-up of the npud tests: the built npud on a temporary socket (fork/exec), a raw
// protocol client for status and malformed-input checks, the test client binary, and a model.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/compiler/net_compiler.hpp"
#include "npu/compiler/net_spec.hpp"
#include "wire/frame.hpp"
#include "wire/unix_socket.hpp"

namespace npu::test {

inline std::filesystem::path npud_temp(const std::string& name) {
  auto dir = std::filesystem::path("/tmp") / ("npud_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// Runs `argv` as a child process; returns its pid.
inline pid_t spawn(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Exit code of `pid` (waits up to `limit`; -1 on timeout or a signal).
inline int wait_exit(pid_t pid, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

// A raw protocol client: frames in, frames out, for status and for what a real client never sends.
class RawClient {
 public:
  explicit RawClient(const std::string& path) {
    auto fd = npud::connect_unix(path);
    EXPECT_TRUE(fd.has_value()) << fd.error().what();
    if (fd) fd_ = std::move(*fd);
  }
  bool send_bytes(std::span<const std::byte> bytes) { return npud::send_all(fd_.get(), bytes).has_value(); }
  bool send(npud::MessageType type, const nlohmann::json& body, std::uint16_t version = npud::kProtocolVersion) {
    return send_bytes(npud::encode_frame(type, ++id_, body.dump(), {}, 0, version));
  }
  // The next frame; nullopt when the daemon closed the connection (or after 10 s).
  std::optional<npud::Frame> receive() {
    std::vector<std::byte> buffer(64 * 1024);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto frame = parser_.next();
      if (!frame) return std::nullopt;
      if (*frame) return std::move(**frame);
      std::vector<UniqueFd> fds;
      auto n = npud::recv_some(fd_.get(), buffer, fds);
      if (!n || *n == 0) return std::nullopt;
      parser_.feed(std::span(buffer).first(*n));
    }
    return std::nullopt;
  }
  nlohmann::json call(npud::MessageType type, const nlohmann::json& body) {
    EXPECT_TRUE(send(type, body));
    auto f = receive();
    EXPECT_TRUE(f.has_value());
    if (!f) return {};
    auto b = f->body();
    return b ? *b : nlohmann::json();
  }
  bool hello() {
    auto r = call(npud::MessageType::kHello, {{"client", "raw-test"}});
    return r.contains("devices");
  }
  // A monitoring connection: status only, no device group joined.
  bool monitor_hello() {
    auto r = call(npud::MessageType::kHello, {{"client", "raw-test"}, {"monitor", true}});
    return r.contains("client");
  }

 private:
  UniqueFd fd_;
  npud::FrameParser parser_;
  std::uint32_t id_ = 0;
};

// npud on a temporary socket; stopped with SIGTERM on destruction, which must be a clean
// shutdown (exit 0): so a sanitizer report in npud at any point of a test, including its
// shutdown with work still running, fails that test.
class NpudProcess {
 public:
  // `devices` as npud's --devices; `sim_devices` simulated devices exist (NPU_SIM_DEVICES);
  // `extra` are more npud options.
  explicit NpudProcess(const std::string& devices = "sim:0", int sim_devices = 1,
                       const std::vector<std::string>& extra = {})
      : socket_(npud_temp("npud.sock").string()) {
    const char* before = std::getenv("NPU_SIM_DEVICES");
    const std::string saved = before ? before : "";
    ::setenv("NPU_SIM_DEVICES", std::to_string(sim_devices).c_str(), 1);
    std::vector<std::string> argv{NPUD_PATH, "--socket", socket_, "--devices", devices, "--foreground"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = spawn(argv);
    if (before) ::setenv("NPU_SIM_DEVICES", saved.c_str(), 1);  // this process keeps its own
    else ::unsetenv("NPU_SIM_DEVICES");
    ::setenv("NPU_NPUD_SOCKET", socket_.c_str(), 1);
    for (int i = 0; i < 500; ++i) {  // up to 10 s for the device to boot
      if (npud::connect_unix(socket_)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "npud did not start listening on " << socket_;
  }
  ~NpudProcess() {
    if (pid_ > 0) {
      const int code = stop(SIGTERM);  // -1 (no exit) is reported by stop()
      if (code != -1) {
        EXPECT_EQ(code, 0) << "npud did not shut down cleanly; its stderr says why (a sanitizer report?)";
      }
    }
  }
  // Sends `signal` and returns the daemon's exit code (-1: killed by a signal or no exit in 10 s).
  // A clean SIGTERM shutdown exits 0; a sanitizer build exits non-zero when it found a leak
  // (LeakSanitizer) or a report halted it (ThreadSanitizer's halt_on_error exits 66).
  int stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    const int code = wait_exit(pid_, std::chrono::seconds(10));
    if (code == -1 && signal == SIGTERM) ADD_FAILURE() << "npud did not exit on SIGTERM";
    pid_ = -1;
    return code;
  }
  [[nodiscard]] const std::string& socket() const { return socket_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] nlohmann::json status() {
    RawClient c(socket_);
    if (!c.monitor_hello()) return {};
    return c.call(npud::MessageType::kStatus, nlohmann::json::object());
  }

 private:
  std::string socket_;
  pid_t pid_ = -1;
};

// One of npud's running totals in a status reply; 999 (never a real count here) when absent.
inline std::uint64_t status_total(const nlohmann::json& status, const char* key) {
  return status.contains("totals") ? status["totals"].value(key, std::uint64_t{999}) : 999;
}

inline std::filesystem::path compile_mlp() {
  auto spec = compiler::net::load_net_spec(NPU_SOURCE_DIR "/examples/networks/mlp.json");
  EXPECT_TRUE(spec.has_value()) << spec.error().what();
  auto net = compiler::net::compile_net(*spec);
  EXPECT_TRUE(net.has_value()) << net.error().what();
  auto path = npud_temp("mlp.npk");
  EXPECT_TRUE(compiler::net::write_npk(*net, path).has_value());
  return path;
}

}  // namespace npu::test
