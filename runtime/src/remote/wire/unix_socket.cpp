#include "wire/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "wire/protocol.hpp"

namespace npu::npud {

Expected<UniqueFd> connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("npud socket path '{}' is empty or longer than {} bytes", path, sizeof(addr.sun_path) - 1));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fail(ErrorCode::kIo, fmt::format("socket(): {}", std::strerror(errno)));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) return fail(ErrorCode::kIo, not_running_message(path));
    if (err == EACCES) {
      return fail(ErrorCode::kPermission,
                  fmt::format("npud at {} refused access ({}): add your user to the group that owns "
                              "the socket", path, std::strerror(err)));
    }
    return fail(ErrorCode::kIo, fmt::format("connecting to npud at {}: {}", path, std::strerror(err)));
  }
  return fd;
}

Expected<void> send_all(int socket, std::span<const std::byte> bytes, std::span<const int> fds) {
  std::size_t sent = 0;
  bool fds_pending = !fds.empty();
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  while (sent < bytes.size() || fds_pending) {
    iovec iov{const_cast<std::byte*>(bytes.data() + sent), bytes.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fds_pending) {
      if (fds.size() > kMaxFds || bytes.empty()) {
        return fail(ErrorCode::kInvalidArgument, fmt::format("at most {} descriptors per frame", kMaxFds));
      }
      std::memset(control, 0, sizeof(control));
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, fmt::format("sending to npud: {}", std::strerror(errno)));
    }
    fds_pending = false;
    sent += static_cast<std::size_t>(n);
  }
  return {};
}

Expected<std::size_t> recv_some(int socket, std::span<std::byte> buffer, std::vector<UniqueFd>& fds,
                                bool nonblocking) {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds * 4)];
  while (true) {
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC | (nonblocking ? MSG_DONTWAIT : 0));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return fail(ErrorCode::kBusy, "no data");
      return fail(ErrorCode::kIo, fmt::format("receiving: {}", std::strerror(errno)));
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        fds.emplace_back(fd);
      }
    }
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {
      return fail(ErrorCode::kBadFormat, "too many file descriptors in one message");
    }
    return static_cast<std::size_t>(n);
  }
}

}  // namespace npu::npud
