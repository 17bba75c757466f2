#include "npu/driver/profile_data.hpp"

#include "npu_abi/program.hpp"

namespace npu::driver {

const char* op_code_name(std::uint16_t opcode) noexcept {
  static constexpr const char* kNames[] = {"nop",  "gemm_i8",   "embed",     "rms_norm", "quantize",
                                           "linear", "short_conv", "rope",     "kv_append", "attention",
                                           "swiglu", "add",       "copy_row",  "argmax"};
  return opcode < std::size(kNames) ? kNames[opcode] : "op";
}

const char* mailbox_command_name(std::uint16_t opcode) noexcept {
  static constexpr const char* kNames[] = {"?",   "IDENTIFY",    "LOAD_CONTEXT",   "RUN",
                                           "RESET", "QUERY_STATS", "UNLOAD_CONTEXT", "PROFILE"};
  return opcode < std::size(kNames) ? kNames[opcode] : "MAILBOX";
}

}  // namespace npu::driver
