// The mailbox: one request at a time (serialized by a mutex), each with a fresh sequence number the
// response must echo. No answer in time -> kTimeout naming the opcode; a response status other
// than kOk -> the error text for that MboxStatus.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <span>
#include <type_traits>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/driver/irq_dispatcher.hpp"
#include "npu/hal/device.hpp"
#include "npu_abi/mailbox.hpp"

namespace npu::driver {

class MailboxClient {
 public:
  MailboxClient(hal::Device& device, IrqDispatcher& irq) : device_(device), irq_(irq) {}

  // Sends one request and returns the response payload (status kOk only). A non-zero
  // `progress_register` bounds the wait by progress (IrqDispatcher::wait), not its total length.
  [[nodiscard]] Expected<std::vector<std::byte>> call(abi::MboxOpcode opcode,
                                                      std::span<const std::byte> payload,
                                                      std::chrono::milliseconds timeout,
                                                      std::uint32_t progress_register = 0);

  // Typed form: the response payload must be exactly sizeof(Response) bytes.
  template <class Response, class Request>
  [[nodiscard]] Expected<Response> call(abi::MboxOpcode opcode, const Request& request,
                                        std::chrono::milliseconds timeout,
                                        std::uint32_t progress_register = 0) {
    static_assert(std::is_trivially_copyable_v<Request> && std::is_trivially_copyable_v<Response>);
    NPU_TRY_ASSIGN(auto bytes, call(opcode, std::as_bytes(std::span(&request, 1)), timeout,
                                    progress_register));
    NPU_TRY(check_size(opcode, bytes.size(), sizeof(Response)));
    Response r;
    std::memcpy(&r, bytes.data(), sizeof r);
    return r;
  }

  // Typed form for requests without payload.
  template <class Response>
  [[nodiscard]] Expected<Response> call(abi::MboxOpcode opcode, std::chrono::milliseconds timeout) {
    static_assert(std::is_trivially_copyable_v<Response>);
    NPU_TRY_ASSIGN(auto bytes, call(opcode, std::span<const std::byte>{}, timeout));
    NPU_TRY(check_size(opcode, bytes.size(), sizeof(Response)));
    Response r;
    std::memcpy(&r, bytes.data(), sizeof r);
    return r;
  }

  [[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }

 private:
  [[nodiscard]] static Expected<void> check_size(abi::MboxOpcode opcode, std::size_t got,
                                                 std::size_t want);

  hal::Device& device_;
  IrqDispatcher& irq_;
  std::mutex mutex_;
  std::uint32_t next_seq_ = 1;
  std::uint64_t requests_ = 0;
};

}  // namespace npu::driver
