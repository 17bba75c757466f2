// Bit-exact LLM kernels, one per abi::OpCode (numerics defined in npu_abi/program.hpp): float
// element-wise math without FMA contraction, double-sequential reductions where the spec says so,
// integer dot products exact. Pointers are to aligned host copies or direct device memory; `rows`
// is the number of valid rows (kRowsFromParam already applied). Kernels that can fail return false.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu::sim {

[[nodiscard]] float half_to_float(std::uint16_t h) noexcept;
[[nodiscard]] std::uint16_t float_to_half(float f) noexcept;  // round to nearest even
[[nodiscard]] float bf16_to_float(std::uint16_t b) noexcept;

enum class TableType : std::uint8_t { kF32, kF16, kBF16, kI8 };

// false when an id is outside [0, v).
[[nodiscard]] bool embed(const std::int32_t* ids, const void* table, TableType type, const float* scales,
                         float* out, std::size_t rows, std::size_t d, std::size_t v) noexcept;
void rms_norm(const float* in, const float* weight, float* out, std::size_t rows, std::size_t width, float eps) noexcept;
void quantize(const float* in, std::int8_t* out, std::size_t count, float inv_scale) noexcept;

// Integer linear: `w` is I8 [n][k] or packed I4 [n][k/2]; scales [n] (group 0) or [n][k/group].
void linear_int(const std::int8_t* in, const std::uint8_t* w, bool int4, const float* scales, float* out,
                std::size_t m, std::size_t k, std::size_t n, std::size_t group, float act_scale) noexcept;
// Float linear over F32/F16/BF16 weights (sequential float sum over k).
void linear_float(const float* in, const void* w, TableType type, float* out, std::size_t m, std::size_t k,
                  std::size_t n) noexcept;

// state holds (l - 1) rows of d, oldest first; zeroed by the caller when position == 0.
void short_conv(const float* in, const float* w, float* state, float* out, std::size_t rows, std::size_t d,
                std::size_t l) noexcept;
// freqs: the per-pair frequency table (hd/2 radians per position), or nullptr to derive them from theta.
void rope(float* data, std::size_t rows, std::size_t heads, std::size_t hd, float theta, const float* freqs,
          std::int64_t position) noexcept;

// KV cache: K [cap][kvh][hd] then V; F32, F16 or I8 elements (kF32, kF16, kI8; I8 with a scale per
// position and KV head after them, npu_abi/kv_cache.hpp). false when a position >= cap.
[[nodiscard]] bool kv_append(const float* k, const float* v, void* cache, TableType type, std::size_t rows,
                             std::size_t kvh, std::size_t hd, std::size_t cap, std::int64_t position) noexcept;
[[nodiscard]] bool attention(const float* q, const void* cache, TableType type, float* out, std::size_t rows,
                             std::size_t heads, std::size_t kvh, std::size_t hd, std::size_t cap,
                             std::int64_t position, float scale) noexcept;

void swiglu(const float* gate, const float* up, float* out, std::size_t count) noexcept;
// kGeluGlu: the tanh approximation of GELU on the gate, times up (program.hpp).
void gelu_glu(const float* gate, const float* up, float* out, std::size_t count) noexcept;
void add(const float* a, const float* b, float* out, std::size_t rows, std::size_t width, bool broadcast) noexcept;
void argmax(const float* in, std::int32_t* out, std::size_t rows, std::size_t width) noexcept;

}  // namespace npu::sim
