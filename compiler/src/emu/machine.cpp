// The op dispatcher of the emulation.
#include <algorithm>

#include <fmt/format.h>

#include "emu_internal.hpp"
#include "npu/compiler/emu.hpp"

namespace npu::compiler::emu {

using abi::OpCode;

Machine::Machine(std::span<const std::byte> weights, std::uint64_t io_bytes, std::uint64_t scratch_bytes,
                 std::uint64_t state_bytes)
    : weights_(weights) {
  owned_[0].assign(io_bytes, std::byte{0});
  owned_[1].assign(scratch_bytes, std::byte{0});
  owned_[2].assign(state_bytes, std::byte{0});
}

std::span<std::byte> Machine::segment(abi::Segment s) noexcept {
  const auto i = static_cast<std::size_t>(s);
  if (i == 0 || i > owned_.size()) return {};
  return owned_[i - 1];
}

std::span<const std::byte> Machine::segment(abi::Segment s) const noexcept {
  const auto i = static_cast<std::size_t>(s);
  if (i == 0) return weights_;
  if (i > owned_.size()) return {};
  return owned_[i - 1];
}

Expected<void> Machine::run(const Program& program, std::span<const std::int32_t> params_rt, const OpHook& hook) {
  if (params_rt.size() < 2) return fail(ErrorCode::kInvalidArgument, "a run needs params {position, tokens}");
  if (params_rt[abi::kParamPosition] < 0 || params_rt[abi::kParamTokens] < 0) {
    return fail(ErrorCode::kInvalidArgument, "run parameters must not be negative");
  }
  for (std::size_t i = 0; i < program.ops.size(); ++i) {
    const abi::OpDesc& op = program.ops[i];
    auto where = [&](const Error& e) { return e.with_context(fmt::format("op #{} (opcode {})", i, op.opcode)); };
    auto sizes = detail::operand_sizes(op);
    if (!sizes) return fail(where(sizes.error()));
    detail::OpContext c{op, params_rt[abi::kParamPosition], params_rt[abi::kParamTokens], {}};
    for (int k = 0; k < 4; ++k) {
      const abi::Operand& o = op.operands[k];
      if (o.segment == abi::kNoSegment || sizes->bytes[k] == 0) continue;
      const auto seg = static_cast<abi::Segment>(o.segment);
      const auto span = std::as_const(*this).segment(seg);
      if (o.segment >= static_cast<std::uint8_t>(abi::Segment::kCount) || o.offset > span.size() ||
          sizes->bytes[k] > span.size() - o.offset) {
        return fail(where(Error(ErrorCode::kBadFormat,
                                fmt::format("operand {} [{} + {} B] lies outside segment {} of {} B", k, o.offset,
                                            sizes->bytes[k], o.segment, span.size()))));
      }
      // Only the weights segment is read-only; ops write operand 3 (and state / in-place data).
      c.operand[k] = const_cast<std::byte*>(span.data()) + o.offset;
      const bool writes = k == 3 || (k == 2 && (op.opcode == static_cast<std::uint16_t>(OpCode::kShortConv) ||
                                                op.opcode == static_cast<std::uint16_t>(OpCode::kKvAppend))) ||
                          (k == 0 && op.opcode == static_cast<std::uint16_t>(OpCode::kRope));
      if (writes && seg == abi::Segment::kWeights) {
        return fail(where(Error(ErrorCode::kBadFormat, fmt::format("operand {} writes the read-only weights", k))));
      }
    }
    Expected<void> r;
    switch (static_cast<OpCode>(op.opcode)) {
      case OpCode::kNop: break;
      case OpCode::kGemmI8: detail::run_gemm_i8(c); break;
      case OpCode::kEmbed: r = detail::run_embed(c); break;
      case OpCode::kRmsNorm: detail::run_rms_norm(c); break;
      case OpCode::kQuantize: detail::run_quantize(c); break;
      case OpCode::kLinear: detail::run_linear(c); break;
      case OpCode::kShortConv: detail::run_short_conv(c); break;
      case OpCode::kRope: detail::run_rope(c); break;
      case OpCode::kKvAppend: r = detail::run_kv_append(c); break;
      case OpCode::kAttention: r = detail::run_attention(c); break;
      case OpCode::kSwiGlu: detail::run_swiglu(c); break;
      case OpCode::kAdd: detail::run_add(c); break;
      case OpCode::kCopyRow: r = detail::run_copy_row(c); break;
      case OpCode::kArgmax: detail::run_argmax(c); break;
      case OpCode::kMoeRoute: detail::run_moe_route(c); break;
      case OpCode::kMoeLinear: {
        // The route table a kMoeRoute wrote, at scratch offset params[1].
        const auto scratch = segment(abi::Segment::kScratch);
        const std::uint64_t at = static_cast<std::uint64_t>(std::max(op.params[1], 0)),
                            bytes = std::uint64_t{c.rows()} * op.dims[5] * abi::kMoeRouteEntryBytes;
        if (op.params[1] < 0 || at > scratch.size() || bytes > scratch.size() - at || at % 4 != 0) {
          r = fail(where(Error(ErrorCode::kBadFormat, fmt::format("route table [{} + {} B] lies outside the scratch "
                                                                  "segment of {} B", op.params[1], bytes, scratch.size()))));
          break;
        }
        r = detail::run_moe_linear(c, reinterpret_cast<const abi::MoeRouteEntry*>(scratch.data() + at));
        break;
      }
      case OpCode::kGeluGlu: break;  // refused by operand_sizes
    }
    if (!r) return fail(where(r.error()));
    if (hook) hook(i, op);
  }
  return {};
}

namespace detail {
std::uint32_t OpContext::rows() const noexcept { return static_cast<std::uint32_t>(abi::op_rows(op, tokens)); }
}  // namespace detail

}  // namespace npu::compiler::emu
