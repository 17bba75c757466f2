#include "npu/driver/profile_data.hpp"

#include <iterator>

namespace npu::driver {

const char* mailbox_command_name(std::uint16_t opcode) noexcept {
  static constexpr const char* kNames[] = {"?",   "IDENTIFY",    "LOAD_CONTEXT",   "RUN",
                                           "RESET", "QUERY_STATS", "UNLOAD_CONTEXT", "PROFILE"};
  return opcode < std::size(kNames) ? kNames[opcode] : "MAILBOX";
}

}  // namespace npu::driver
