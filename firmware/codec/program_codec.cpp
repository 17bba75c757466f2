#include "npu/codec/program_codec.hpp"

#include <cstring>

#include <fmt/format.h>

#include "npu/common/checksum.hpp"

namespace npu::codec {

std::vector<std::byte> encode_program(std::span<const abi::OpDesc> ops, std::uint64_t sram_bytes) {
  const auto op_bytes = std::as_bytes(ops);
  abi::ProgramHeader h{};
  h.magic = abi::kProgramMagic;
  h.version = abi::kProgramVersion;
  h.header_size = sizeof(abi::ProgramHeader);
  h.num_ops = static_cast<std::uint32_t>(ops.size());
  h.op_size = sizeof(abi::OpDesc);
  h.sram_bytes = sram_bytes;
  h.crc32 = crc32(op_bytes);
  std::vector<std::byte> out(sizeof h + op_bytes.size());
  std::memcpy(out.data(), &h, sizeof h);
  if (!op_bytes.empty()) std::memcpy(out.data() + sizeof h, op_bytes.data(), op_bytes.size());
  return out;
}

Expected<DecodedProgram> decode_program(std::span<const std::byte> bytes) {
  DecodedProgram p;
  if (bytes.size() < sizeof(abi::ProgramHeader)) {
    return fail(ErrorCode::kBadFormat, fmt::format("program of {} bytes is shorter than its header", bytes.size()));
  }
  std::memcpy(&p.header, bytes.data(), sizeof p.header);
  const abi::ProgramHeader& h = p.header;
  if (h.magic != abi::kProgramMagic) return fail(ErrorCode::kBadFormat, "program magic is not NPRG");
  if (h.version != abi::kProgramVersion || h.header_size != sizeof(abi::ProgramHeader) ||
      h.op_size != sizeof(abi::OpDesc)) {
    return fail(ErrorCode::kVersionMismatch,
                fmt::format("program version {} (header {} B, op {} B) is not the supported version {} "
                            "(header {} B, op {} B); recompile the model with this npustack",
                            h.version, h.header_size, h.op_size, abi::kProgramVersion,
                            sizeof(abi::ProgramHeader), sizeof(abi::OpDesc)));
  }
  if (h.reserved != 0) return fail(ErrorCode::kBadFormat, "program header reserved field is not zero");
  const auto ops = bytes.subspan(sizeof(abi::ProgramHeader));
  if (std::uint64_t{h.num_ops} * sizeof(abi::OpDesc) != ops.size()) {
    return fail(ErrorCode::kBadFormat,
                fmt::format("program declares {} ops but carries {} bytes of them", h.num_ops, ops.size()));
  }
  if (crc32(ops) != h.crc32) return fail(ErrorCode::kBadFormat, "program CRC-32 of the op array does not match");
  p.ops.resize(h.num_ops);
  if (!ops.empty()) std::memcpy(p.ops.data(), ops.data(), ops.size());
  return p;
}

}  // namespace npu::codec
