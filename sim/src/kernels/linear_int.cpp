#include "linear_int.hpp"

#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "../gemm_i8.hpp"
#include "worker_pool.hpp"

namespace npu::sim::kernels {

std::string_view isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::kPortable: return "portable";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kNeonDot: return "neondot";
  }
  return "?";
}

const std::vector<Isa>& supported_isas() {
  static const std::vector<Isa> isas = [] {
    std::vector<Isa> v{Isa::kPortable};
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) v.push_back(Isa::kAvx2);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni"))
      v.push_back(Isa::kAvx512Vnni);
#elif defined(__aarch64__)
    if (::getauxval(AT_HWCAP) & HWCAP_ASIMDDP) v.push_back(Isa::kNeonDot);
#endif
    return v;
  }();
  return isas;
}

Isa best_isa() {
  static const Isa isa = [] {
    const auto& v = supported_isas();
    if (const char* want = std::getenv("NPU_SIM_KERNEL_ISA"))
      for (Isa i : v)
        if (isa_name(i) == want) return i;
    return v.back();
  }();
  return isa;
}

void linear_int_portable(const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept {
  thread_local std::vector<std::int8_t> unpacked;
  if (a.int4 && unpacked.size() < a.k) unpacked.resize(a.k);
  const std::size_t k = a.k, blocks = a.group == 0 ? 1 : k / a.group, bk = a.group == 0 ? k : a.group;
  for (std::size_t col = n0; col < n1; ++col) {
    const std::int8_t* wrow;
    if (a.int4) {
      const std::uint8_t* packed = a.w + col * (k / 2);
      for (std::size_t i = 0; i < k / 2; ++i) {  // element 2i in the low nibble, sign-extended
        unpacked[2 * i] = static_cast<std::int8_t>(static_cast<std::int8_t>(packed[i] << 4) >> 4);
        unpacked[2 * i + 1] = static_cast<std::int8_t>(static_cast<std::int8_t>(packed[i]) >> 4);
      }
      wrow = unpacked.data();
    } else {
      wrow = reinterpret_cast<const std::int8_t*>(a.w) + col * k;
    }
    for (std::size_t row = 0; row < a.m; ++row) {
      const std::int8_t* x = a.in + row * k;
      if (a.group == 0) {
        const std::int32_t acc = dot_i8(x, wrow, k);
        a.out[row * a.n + col] = static_cast<float>(acc) * (a.act_scale * a.scales[col]);
      } else {
        float t = 0.0f;
        for (std::size_t b = 0; b < blocks; ++b)
          t = t + static_cast<float>(dot_i8(x + b * bk, wrow + b * bk, bk)) * a.scales[col * blocks + b];
        a.out[row * a.n + col] = t * a.act_scale;
      }
    }
  }
}

void linear_int_cols(Isa isa, const LinearIntArgs& a, std::size_t n0, std::size_t n1) noexcept {
  const bool simd_shape = a.k % 32 == 0 && a.group % 32 == 0 && a.k > 0;
  std::size_t simd_end = n0;
  if (isa != Isa::kPortable && simd_shape) {
    simd_end = n0 + (n1 - n0) / 8 * 8;
    if (simd_end > n0) {
#if defined(__x86_64__)
      if (isa == Isa::kAvx512Vnni) linear_int_avx512vnni(a, n0, simd_end);
      else linear_int_avx2(a, n0, simd_end);
#elif defined(__aarch64__)
      linear_int_neondot(a, n0, simd_end);
#else
      simd_end = n0;
#endif
    }
  }
  if (simd_end < n1) linear_int_portable(a, simd_end, n1);
}

void linear_int_parallel(Isa isa, const LinearIntArgs& a) noexcept { linear_int_parallel(isa, a, WorkerPool::shared()); }

void linear_int_parallel(Isa isa, const LinearIntArgs& a, WorkerPool& pool) noexcept {
  // Below about a million multiply-adds the wake-up of the other threads costs more than it saves.
  const std::size_t parts = pool.threads();
  if (parts == 1 || a.m * a.k * a.n < (std::size_t{1} << 20) || a.n < 16 * parts) {
    linear_int_cols(isa, a, 0, a.n);
    return;
  }
  // Chunks of columns (multiples of 16, a whole number of SIMD tiles), about eight per thread but
  // at most 256 columns (a thread descheduled in the middle of a chunk holds the others up for
  // the rest of it), taken from a shared counter: a thread the OS does not run in time leaves
  // its share to the others instead of holding everyone up.
  const std::size_t chunk = std::clamp<std::size_t>(a.n / (parts * 8) / 16 * 16, 16, 256);
  std::atomic<std::size_t> next{0};
  pool.run([&](std::size_t) {
    for (std::size_t n0; (n0 = next.fetch_add(chunk, std::memory_order_relaxed)) < a.n;)
      linear_int_cols(isa, a, n0, std::min(a.n, n0 + chunk));
  });
}

}  // namespace npu::sim::kernels
