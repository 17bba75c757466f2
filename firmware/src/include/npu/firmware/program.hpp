// Context programs (npu_abi/program.hpp) on the device side: validation before a program is
// accepted, and the encoder tests (and tools) use to build one. A program that fails any check is
// refused as a whole with a message naming the op and operand; nothing of it ever runs.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "npu/codec/program_codec.hpp"
#include "npu/common/error.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/program.hpp"

namespace npu::fw {

// The segments of one context (LOAD_CONTEXT): base and size per abi::Segment index.
struct SegmentTable {
  std::array<std::uint64_t, abi::kMaxSegments> base{};
  std::array<std::uint64_t, abi::kMaxSegments> size{};
  std::uint32_t count = 0;
};

struct ValidatedProgram {
  abi::ProgramHeader header{};
  std::vector<abi::OpDesc> ops;
};

// Checks the framing (codec::decode_program: magic, version, sizes, CRC of the op array; a version
// this firmware does not read is kVersionMismatch) and every op (opcode, dims, dtypes, params, each
// operand inside its segment; kBadFormat).
[[nodiscard]] Expected<ValidatedProgram> validate_program(std::span<const std::byte> bytes,
                                                          const SegmentTable& segments);

// One op against the segments (used by validate_program).
[[nodiscard]] Expected<void> validate_op(const abi::OpDesc& op, const SegmentTable& segments);

// The device address of an operand; the caller has validated it. 0 for absent operands.
[[nodiscard]] std::uint64_t operand_address(const abi::Operand& operand,
                                            const SegmentTable& segments) noexcept;

// ProgramHeader + ops with the CRC filled in (the one encoder, npu/codec/program_codec.hpp).
using codec::encode_program;

// Convenience for building GEMM ops: operand in `segment` at `offset`.
[[nodiscard]] abi::Operand make_operand(abi::Segment segment, abi::DType dtype,
                                        std::uint64_t offset) noexcept;
[[nodiscard]] abi::Operand absent_operand() noexcept;

}  // namespace npu::fw
