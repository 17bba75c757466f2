#include "npu/firmware/program.hpp"

#include <utility>

#include <fmt/format.h>

namespace npu::fw {

Expected<ValidatedProgram> validate_program(std::span<const std::byte> bytes, const SegmentTable& segs) {
  NPU_TRY_ASSIGN(auto decoded, codec::decode_program(bytes));
  ValidatedProgram p{decoded.header, std::move(decoded.ops)};
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    auto ok = validate_op(p.ops[i], segs);
    if (!ok) return fail(ok.error().with_context(fmt::format("program op {}", i)));
  }
  return p;
}

std::uint64_t operand_address(const abi::Operand& operand, const SegmentTable& segs) noexcept {
  if (operand.segment == abi::kNoSegment || operand.segment >= segs.count) return 0;
  return segs.base[operand.segment] + operand.offset;
}

abi::Operand make_operand(abi::Segment segment, abi::DType dtype, std::uint64_t offset) noexcept {
  abi::Operand o{};
  o.segment = static_cast<std::uint8_t>(segment);
  o.dtype = static_cast<std::uint8_t>(dtype);
  o.offset = offset;
  return o;
}

abi::Operand absent_operand() noexcept {
  abi::Operand o{};
  o.segment = abi::kNoSegment;
  return o;
}

}  // namespace npu::fw
