// The byte form of a context program (npu_abi/program.hpp): ProgramHeader followed by the op array.
// One encoder and one decoder for both sides of the ABI — the compiler writes programs, the
// firmware and the compiler's emulator read them — so the two can never disagree on the framing.
// The decoder checks the framing only (magic, version, sizes, CRC); what an op may do is the
// firmware's business (fw::validate_program).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu_abi/program.hpp"

namespace npu::codec {

struct DecodedProgram {
  abi::ProgramHeader header{};
  std::vector<abi::OpDesc> ops;
};

// ProgramHeader (CRC-32 of the op array filled in) + ops. sram_bytes is the context's SRAM need.
[[nodiscard]] std::vector<std::byte> encode_program(std::span<const abi::OpDesc> ops,
                                                    std::uint64_t sram_bytes = 0);

// kBadFormat: shorter than a header, wrong magic, op count disagreeing with the size, CRC mismatch.
// kVersionMismatch: a program version, header size or op size this build does not read.
[[nodiscard]] Expected<DecodedProgram> decode_program(std::span<const std::byte> bytes);

}  // namespace npu::codec
