#include "npu/firmware/program.hpp"

#include <cstring>
#include <fmt/format.h>

#include "npu/common/checksum.hpp"

namespace npu::fw {
namespace {

Expected<void> bad(std::string message) { return fail(ErrorCode::kBadFormat, std::move(message)); }

// a * b without overflow, or false.
bool mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

std::size_t dtype_bits(std::uint8_t dtype) {
  switch (static_cast<abi::DType>(dtype)) {
    case abi::DType::kI4: return 4;
    case abi::DType::kI8: case abi::DType::kU8: return 8;
    case abi::DType::kF16: case abi::DType::kBF16: return 16;
    case abi::DType::kI32: case abi::DType::kF32: return 32;
    case abi::DType::kNone: break;
  }
  return 0;
}

// Operand `which` of `op` holds `elements` of `dtype` inside its segment.
Expected<void> check_operand(const abi::OpDesc& op, std::size_t which, abi::DType dtype,
                             std::uint64_t elements, bool optional, const SegmentTable& segs) {
  const abi::Operand& o = op.operands[which];
  if (o.segment == abi::kNoSegment) {
    if (optional) return {};
    return bad(fmt::format("operand {} is required but absent", which));
  }
  if (o.reserved0 != 0 || o.reserved1 != 0) return bad(fmt::format("operand {} has reserved bits set", which));
  if (o.dtype != static_cast<std::uint8_t>(dtype))
    return bad(fmt::format("operand {} has dtype {}, the op needs {}", which, o.dtype,
                           static_cast<int>(dtype)));
  if (o.segment >= segs.count)
    return bad(fmt::format("operand {} names segment {} but the context has {}", which, o.segment, segs.count));
  std::uint64_t bits = 0;
  if (!mul(elements, dtype_bits(o.dtype), bits)) return bad(fmt::format("operand {} is too large", which));
  std::uint64_t bytes = (bits + 7) / 8, seg_size = segs.size[o.segment];
  if (o.offset > seg_size || bytes > seg_size - o.offset)
    return bad(fmt::format("operand {} [{:#x}, +{}) lies outside segment {} of {} bytes", which,
                           o.offset, bytes, o.segment, seg_size));
  return {};
}

Expected<void> validate_gemm_i8(const abi::OpDesc& op, const SegmentTable& segs) {
  const std::uint64_t m = op.dims[0], k = op.dims[1], n = op.dims[2];
  if (m == 0 || k == 0 || n == 0) return bad("gemm_i8 needs M, K, N > 0");
  if (op.dims[3] || op.dims[4] || op.dims[5]) return bad("gemm_i8 dims[3..5] must be 0");
  std::uint64_t mk = 0, nk = 0, mn = 0;
  if (!mul(m, k, mk) || !mul(n, k, nk) || !mul(m, n, mn)) return bad("gemm_i8 shape overflows");
  NPU_TRY(check_operand(op, 0, abi::DType::kI8, mk, false, segs));
  NPU_TRY(check_operand(op, 1, abi::DType::kI8, nk, false, segs));
  NPU_TRY(check_operand(op, 2, abi::DType::kI32, n, true, segs));
  NPU_TRY(check_operand(op, 3, abi::DType::kI8, mn, false, segs));
  if (op.params[0] <= 0) return bad("gemm_i8 multiplier (params[0]) must be > 0");
  if (op.params[1] < 0 || op.params[1] > 31) return bad("gemm_i8 shift (params[1]) must be 0..31");
  if (op.params[2] < -128 || op.params[2] > 127) return bad("gemm_i8 zero point (params[2]) must be -128..127");
  if (op.params[3] != 0 && op.params[3] != 1) return bad("gemm_i8 activation (params[3]) must be 0 or 1");
  for (int i = 4; i < 8; ++i)
    if (op.params[i] != 0) return bad("gemm_i8 params[4..7] must be 0");
  return {};
}

}  // namespace

Expected<void> validate_op(const abi::OpDesc& op, const SegmentTable& segs) {
  if (op.flags != 0 || op.reserved != 0) return bad("flags/reserved must be 0");
  switch (static_cast<abi::OpCode>(op.opcode)) {
    case abi::OpCode::kNop: return {};
    case abi::OpCode::kGemmI8: return validate_gemm_i8(op, segs);
  }
  return bad(fmt::format("unknown opcode {}", op.opcode));
}

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
