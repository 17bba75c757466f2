// Shared pieces of the emulation's op implementations (not a public interface).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "npu/common/error.hpp"
#include "npu_abi/moe.hpp"
#include "npu_abi/operand_sizes.hpp"
#include "npu_abi/program.hpp"

namespace npu::compiler::emu::detail {

// One op being executed: its descriptor, the run parameters, and its operands resolved to host
// pointers (nullptr when absent). Sizes were checked against the segments before the call.
struct OpContext {
  const abi::OpDesc& op;
  std::int32_t position = 0;  // params_rt[kParamPosition]
  std::int32_t tokens = 0;    // params_rt[kParamTokens]
  std::byte* operand[4] = {nullptr, nullptr, nullptr, nullptr};

  // dims[0], or min(dims[0], tokens) with kRowsFromParam.
  [[nodiscard]] std::uint32_t rows() const noexcept;
  [[nodiscard]] float fparam(int i) const noexcept {
    float f;
    std::memcpy(&f, &op.params[i], sizeof f);
    return f;
  }
  template <class T>
  [[nodiscard]] T* as(int i) const noexcept {
    return reinterpret_cast<T*>(operand[i]);
  }
};

// Bytes each operand of `op` spans (abi::operand_bytes; 0 when the operand is unused), or an
// error for a malformed op.
[[nodiscard]] Expected<abi::OperandBytes> operand_sizes(const abi::OpDesc& op);

// Element-wise and row ops (ops_elementwise.cpp).
[[nodiscard]] Expected<void> run_embed(const OpContext& c);
void run_rms_norm(const OpContext& c);
void run_quantize(const OpContext& c);
void run_swiglu(const OpContext& c);
void run_add(const OpContext& c);
[[nodiscard]] Expected<void> run_copy_row(const OpContext& c);
void run_argmax(const OpContext& c);
// Sequence ops (ops_sequence.cpp).
void run_short_conv(const OpContext& c);
void run_rope(const OpContext& c);
[[nodiscard]] Expected<void> run_kv_append(const OpContext& c);
[[nodiscard]] Expected<void> run_attention(const OpContext& c);
// Matrix ops (ops_linear.cpp).
void run_linear(const OpContext& c);
// Routed experts (ops_linear.cpp): `route` is the route table kMoeLinear's params[1] names.
void run_moe_route(const OpContext& c);
[[nodiscard]] Expected<void> run_moe_linear(const OpContext& c, const abi::MoeRouteEntry* route);
void run_gemm_i8(const OpContext& c);

}  // namespace npu::compiler::emu::detail
