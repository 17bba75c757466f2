// Integer kLinear (npu_abi/program.hpp) as a CPU inference kernel: int8 activations times I8 or
// packed I4 weights with per-row (group 0) or per-block scales. Several instruction-set paths
// compute the same bits: integer dot products are exact (mod 2^32, as the reference), and the
// float steps (per-block t = t + (float)acc_b * s, then * a) run per output in the spec's order,
// eight outputs side by side in SIMD lanes. The path is chosen at run time from the host CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace npu::sim::kernels {

struct LinearIntArgs {
  const std::int8_t* in;     // [m][k]
  const std::uint8_t* w;     // I8 [n][k] or I4 [n][k/2]
  bool int4;
  const float* scales;       // [n] (group 0) or [n][k/group]
  float* out;                // [m][n]
  std::size_t m, k, n, group;
  float act_scale;
};

enum class Isa : std::uint8_t { kPortable, kAvx2, kAvx512Vnni, kNeonDot };

[[nodiscard]] std::string_view isa_name(Isa isa) noexcept;
// The paths this host can run, portable first.
[[nodiscard]] const std::vector<Isa>& supported_isas();
// The fastest supported path; NPU_SIM_KERNEL_ISA=portable|avx2|avx512vnni|neondot forces a
// (supported) one.
[[nodiscard]] Isa best_isa();

// Computes output columns [n0, n1) for every row with `isa` (which must be supported). Shapes a
// SIMD path does not cover (k or group not a multiple of 32, a partial tile) use the portable code.
void linear_int_cols(Isa isa, const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept;

class WorkerPool;

// linear_int_cols over all columns, shared across WorkerPool::shared() (or `pool`) in chunks of
// columns when the op is large. The result does not depend on the split (columns are independent).
void linear_int_parallel(Isa isa, const LinearIntArgs& a) noexcept;
void linear_int_parallel(Isa isa, const LinearIntArgs& a, WorkerPool& pool) noexcept;

// The portable reference (also the fallback of the SIMD paths).
void linear_int_portable(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept;

// SIMD paths (x86-64 only; defined in linear_int_avx2.cpp / linear_int_avx512.cpp). They handle
// columns [n0, n1) with n1 - n0 a multiple of 8, k % 32 == 0 and group % 32 == 0.
void linear_int_avx2(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept;
void linear_int_avx512vnni(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept;
// aarch64 only (linear_int_neon.cpp), on CPUs with the dot-product extension: any columns,
// k % 32 == 0 and group % 32 == 0.
void linear_int_neondot(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept;

}  // namespace npu::sim::kernels
