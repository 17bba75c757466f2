#include "npu/firmware/program.hpp"

#include <cstring>
#include <fmt/format.h>

#include "npu/common/checksum.hpp"

namespace npu::fw {

Expected<ValidatedProgram> validate_program(std::span<const std::byte> bytes, const SegmentTable& segs) {
  ValidatedProgram p;
  if (bytes.size() < sizeof(abi::ProgramHeader))
    return fail(ErrorCode::kBadFormat, fmt::format("program of {} bytes is shorter than its header", bytes.size()));
  std::memcpy(&p.header, bytes.data(), sizeof(p.header));
  const abi::ProgramHeader& h = p.header;
  if (h.magic != abi::kProgramMagic) return fail(ErrorCode::kBadFormat, "program magic is not NPRG");
  if (h.version != abi::kProgramVersion)
    return fail(ErrorCode::kBadFormat, fmt::format("program version {} is not supported (this firmware reads {})",
                                                   h.version, abi::kProgramVersion));
  if (h.header_size != sizeof(abi::ProgramHeader) || h.reserved != 0)
    return fail(ErrorCode::kBadFormat, "program header_size/reserved invalid");
  if (h.op_size != sizeof(abi::OpDesc))
    return fail(ErrorCode::kBadFormat, fmt::format("program op_size {} != {}", h.op_size, sizeof(abi::OpDesc)));
  const std::uint64_t ops_bytes = std::uint64_t{h.num_ops} * h.op_size;
  if (ops_bytes != bytes.size() - sizeof(abi::ProgramHeader))
    return fail(ErrorCode::kBadFormat, fmt::format("program declares {} ops ({} bytes) but carries {} bytes",
                                                   h.num_ops, ops_bytes, bytes.size() - sizeof(abi::ProgramHeader)));
  auto op_bytes = bytes.subspan(sizeof(abi::ProgramHeader));
  if (crc32(op_bytes) != h.crc32) return fail(ErrorCode::kBadFormat, "program CRC-32 of the op array does not match");
  p.ops.resize(h.num_ops);
  if (h.num_ops) std::memcpy(p.ops.data(), op_bytes.data(), op_bytes.size());
  for (std::uint32_t i = 0; i < h.num_ops; ++i) {
    auto ok = validate_op(p.ops[i], segs);
    if (!ok) return fail(ok.error().with_context(fmt::format("program op {}", i)));
  }
  return p;
}

std::uint64_t operand_address(const abi::Operand& operand, const SegmentTable& segs) noexcept {
  if (operand.segment == abi::kNoSegment || operand.segment >= segs.count) return 0;
  return segs.base[operand.segment] + operand.offset;
}

std::vector<std::byte> encode_program(std::span<const abi::OpDesc> ops, std::uint64_t sram_bytes) {
  abi::ProgramHeader h{};
  h.magic = abi::kProgramMagic;
  h.version = abi::kProgramVersion;
  h.header_size = sizeof(abi::ProgramHeader);
  h.num_ops = static_cast<std::uint32_t>(ops.size());
  h.op_size = sizeof(abi::OpDesc);
  h.sram_bytes = sram_bytes;
  h.crc32 = crc32(ops.data(), ops.size_bytes());
  std::vector<std::byte> out(sizeof(h) + ops.size_bytes());
  std::memcpy(out.data(), &h, sizeof(h));
  if (!ops.empty()) std::memcpy(out.data() + sizeof(h), ops.data(), ops.size_bytes());
  return out;
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
