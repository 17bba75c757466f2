// Unix stream sockets for the npud protocol: connect, send a frame with descriptors attached
// (SCM_RIGHTS), receive bytes and the descriptors that came with them.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/common/unique_fd.hpp"

namespace npu::npud {

// kIo naming the path (and telling how to start npud) when nobody listens there.
[[nodiscard]] Expected<UniqueFd> connect_unix(const std::string& path);

// Sends all of `bytes`; `fds` go with the first byte. kIo (EPIPE etc.) when the peer is gone.
[[nodiscard]] Expected<void> send_all(int socket, std::span<const std::byte> bytes,
                                      std::span<const int> fds = {});

// One recvmsg: bytes into `buffer`, received descriptors appended to `fds`. 0 = end of stream.
// With `nonblocking`, kBusy when nothing is ready.
[[nodiscard]] Expected<std::size_t> recv_some(int socket, std::span<std::byte> buffer,
                                              std::vector<UniqueFd>& fds, bool nonblocking = false);

}  // namespace npu::npud
