// The compiler's CPU emulation of the device: executes a context program (npu_abi/program.hpp)
// over host buffers standing in for the segments (weights / io / scratch / state), with exactly the
// numerics program.hpp defines. It is independent of the simulator's kernels, and the tests hold
// the two to bit-for-bit agreement; the compiler also uses it for its per-layer SQNR report.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "npu/codec/program_codec.hpp"
#include "npu/common/error.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/program.hpp"

namespace npu::compiler::emu {

// A program whose framing is checked (magic, version, sizes, CRC): codec::decode_program's result.
// Programs are written with codec::encode_program (npu/codec/program_codec.hpp).
using Program = codec::DecodedProgram;

// Called after each op with its index (for calibration and per-layer comparisons).
using OpHook = std::function<void(std::size_t op_index, const abi::OpDesc& op)>;

// Host memory for the segments of one context. Weights are read-only and borrowed; the rest
// are owned and zero-initialised.
class Machine {
 public:
  Machine(std::span<const std::byte> weights, std::uint64_t io_bytes, std::uint64_t scratch_bytes,
          std::uint64_t state_bytes);

  // Runs every op; params_rt = {position, valid rows}. Errors (kBadFormat for an operand outside
  // its segment or a malformed op, kInvalidArgument for a bad token id or position) name the op.
  [[nodiscard]] Expected<void> run(const Program& program, std::span<const std::int32_t> params_rt,
                                   const OpHook& hook = {});

  [[nodiscard]] std::span<std::byte> segment(abi::Segment s) noexcept;
  [[nodiscard]] std::span<const std::byte> segment(abi::Segment s) const noexcept;

 private:
  std::span<const std::byte> weights_;
  std::array<std::vector<std::byte>, 3> owned_;  // io, scratch, state
};

}  // namespace npu::compiler::emu
