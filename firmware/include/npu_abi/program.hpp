// Context program: what the compiler emits per subnet and the firmware executes on the device.
// Layout: ProgramHeader, then num_ops OpDesc of op_size bytes each. Operands address device memory
// as (segment, offset); the segment bases come with LOAD_CONTEXT (mailbox.hpp), so programs are
// position independent. Every op defines its numerics exactly: the compiler's CPU reference must
// reproduce the device's results bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu::abi {

inline constexpr std::uint32_t kProgramMagic = 0x4752504e;  // "NPRG"
inline constexpr std::uint16_t kProgramVersion = 1;

enum class DType : std::uint8_t {
  kNone = 0,
  kI4 = 1,    // two's-complement nibbles, element 2i in the low nibble of byte i
  kI8 = 2,
  kI32 = 3,
  kF32 = 4,
  kF16 = 5,
  kBF16 = 6,
  kU8 = 7,
};

inline constexpr std::uint8_t kNoSegment = 0xff;  // operand absent

struct Operand {
  std::uint8_t segment;     // Segment (mailbox.hpp) or kNoSegment
  std::uint8_t dtype;       // DType
  std::uint16_t reserved0;  // 0
  std::uint32_t reserved1;  // 0
  std::uint64_t offset;     // byte offset within the segment
};
static_assert(sizeof(Operand) == 16);

enum class OpCode : std::uint16_t {
  kNop = 0,
  // GEMM, int8 x int8 -> int32 -> int8.
  //   dims:     [0] M rows of A, [1] K, [2] N (output features)
  //   operands: [0] A  i8 [M][K] row-major      [1] W i8 [N][K] row-major (one row per output)
  //             [2] bias i32 [N] (or absent)     [3] Out i8 [M][N] row-major
  //   params:   [0] multiplier (int32, > 0)  [1] shift (0..31)  [2] output zero point
  //             [3] activation: 0 none, 1 ReLU (applied after requantization, i.e. max(out, zp))
  //   numerics: acc = sum_k A[m][k] * W[n][k] + bias[n]  (exact int32)
  //             out = clamp(((int64)acc * multiplier + 2^(30+shift)) >> (31+shift) + zp, -128, 127)
  //             (arithmetic shift; i.e. round half up of acc * multiplier / 2^(31+shift))
  kGemmI8 = 1,
};

struct OpDesc {
  std::uint16_t opcode;      // OpCode
  std::uint16_t flags;       // 0 (reserved for op-specific flags)
  std::uint32_t reserved;    // 0
  std::uint32_t dims[6];
  Operand operands[4];
  std::int32_t params[8];
};
static_assert(sizeof(OpDesc) == 128);
static_assert(offsetof(OpDesc, operands) == 32);
static_assert(offsetof(OpDesc, params) == 96);

struct ProgramHeader {
  std::uint32_t magic;        // kProgramMagic
  std::uint16_t version;      // kProgramVersion
  std::uint16_t header_size;  // sizeof(ProgramHeader)
  std::uint32_t num_ops;
  std::uint32_t op_size;      // sizeof(OpDesc)
  std::uint64_t sram_bytes;   // SRAM the program expects resident
  std::uint32_t crc32;        // CRC-32 of the op array
  std::uint32_t reserved;     // 0
};
static_assert(sizeof(ProgramHeader) == 32);

}  // namespace npu::abi
