// The routed mixture of experts' math (kMoeRoute, and the dispatch and combine of kMoeLinear),
// written once for every executor of the ABI: the simulated device and the compiler's emulation.
// Each brings its own linear kernel (kLinear's numerics); the picking of experts, the grouping of
// rows by expert and the weighted sum are here, so both compute the same bits.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "npu_abi/program.hpp"

namespace npu::abi {

// One entry of a route table (kMoeRoute operand 3): the expert and its weight.
struct MoeRouteEntry {
  std::int32_t expert;
  float weight;
};
static_assert(sizeof(MoeRouteEntry) == kMoeRouteEntryBytes);

// The smallest normalizing sum (the smallest normal fp16, as llama.cpp clamps it).
inline constexpr float kMoeMinWeightSum = 6.103515625e-5f;

struct MoeRouteParams {
  std::uint32_t experts = 0, k = 0;
  bool sigmoid = false, normalize = false;
  float scale = 1.0f;
};

[[nodiscard]] inline MoeRouteParams moe_route_params(const OpDesc& op) noexcept {
  MoeRouteParams p;
  p.experts = op.dims[1];
  p.k = op.dims[2];
  p.sigmoid = op.params[0] == 1;
  p.normalize = op.params[1] == 1;
  std::memcpy(&p.scale, &op.params[2], sizeof p.scale);
  return p;
}

// Routes one row (program.hpp kMoeRoute): `scores` is scratch of p.experts floats, `out` gets p.k
// entries, best first.
inline void moe_route_row(const float* logits, const float* bias, const MoeRouteParams& p, float* scores,
                          MoeRouteEntry* out) noexcept {
  const std::uint32_t E = p.experts;
  if (p.sigmoid) {
    for (std::uint32_t e = 0; e < E; ++e) scores[e] = 1.0f / (1.0f + std::exp(-logits[e]));
  } else {
    float m = -std::numeric_limits<float>::infinity();
    for (std::uint32_t e = 0; e < E; ++e) m = logits[e] > m ? logits[e] : m;
    double sum = 0.0;
    for (std::uint32_t e = 0; e < E; ++e) sum += std::exp(static_cast<double>(logits[e]) - m);
    for (std::uint32_t e = 0; e < E; ++e) scores[e] = static_cast<float>(std::exp(static_cast<double>(logits[e]) - m) / sum);
  }
  // Selection on score + bias: the k largest, the lowest index first on ties; NaN never wins.
  auto key = [&](std::uint32_t e) {
    const float v = bias != nullptr ? scores[e] + bias[e] : scores[e];
    return std::isnan(v) ? -std::numeric_limits<float>::infinity() : v;
  };
  for (std::uint32_t j = 0; j < p.k; ++j) {
    std::int64_t best = -1;
    float best_key = 0.0f;
    for (std::uint32_t e = 0; e < E; ++e) {
      bool taken = false;
      for (std::uint32_t i = 0; i < j; ++i) taken = taken || out[i].expert == static_cast<std::int32_t>(e);
      if (taken) continue;
      const float v = key(e);
      if (best < 0 || v > best_key) {
        best = e;
        best_key = v;
      }
    }
    out[j] = {static_cast<std::int32_t>(best), scores[best]};
  }
  if (p.normalize) {
    float sum = 0.0f;
    for (std::uint32_t j = 0; j < p.k; ++j) sum = sum + out[j].weight;
    if (!(sum >= kMoeMinWeightSum)) sum = kMoeMinWeightSum;
    for (std::uint32_t j = 0; j < p.k; ++j) out[j].weight = out[j].weight / sum;
  }
  for (std::uint32_t j = 0; j < p.k; ++j) out[j].weight = out[j].weight * p.scale;
}

// kMoeRoute over `rows` rows: logits [rows][E], bias [E] or nullptr, out [rows][k].
inline void moe_route(const float* logits, const float* bias, std::uint64_t rows, const MoeRouteParams& p,
                      MoeRouteEntry* out) {
  std::vector<float> scores(p.experts);
  for (std::uint64_t r = 0; r < rows; ++r) {
    moe_route_row(logits + r * p.experts, bias, p, scores.data(), out + r * p.k);
  }
}

// kMoeLinear's shape, read from its descriptor.
struct MoeLinearShape {
  std::uint64_t rows = 0, K = 0, N = 0, group = 0, experts = 0, k = 0;
  bool shared_input = false, combine = false;
  bool int_weights = false;
  std::uint64_t in_bytes = 4;             // bytes per input element (1: int8, 4: f32)
  std::uint64_t weight_bytes = 0;         // bytes of one expert's weights
  std::uint64_t scale_count = 0;          // floats of one expert's scales (integer weights)
};

[[nodiscard]] inline MoeLinearShape moe_linear_shape(const OpDesc& op, std::uint64_t rows) noexcept {
  MoeLinearShape s;
  s.rows = rows;
  s.K = op.dims[1];
  s.N = op.dims[2];
  s.group = op.dims[3];
  s.experts = op.dims[4];
  s.k = op.dims[5];
  s.shared_input = (op.flags & kMoeSharedInput) != 0;
  s.combine = (op.flags & kMoeCombine) != 0;
  const auto w = static_cast<DType>(op.operands[1].dtype);
  s.int_weights = w == DType::kI8 || w == DType::kI4;
  s.in_bytes = s.int_weights ? 1 : 4;
  s.weight_bytes = dtype_bytes(op.operands[1].dtype, s.N * s.K);
  s.scale_count = s.int_weights ? s.N * (s.group == 0 ? 1 : s.K / s.group) : 0;
  return s;
}

// Runs kMoeLinear: for each expert that any (row, slot) picked, gathers those input rows (ascending
// row, then slot), calls linear(expert, inputs, m, outputs) — x . W[expert]^T over m contiguous
// input rows into m rows of N floats, with kLinear's numerics — and scatters the results; then the
// combine (program.hpp). `in` is [rows][slots][K] of s.in_bytes elements, `out` [rows][1 or k][N].
// false when the route table names an expert outside [0, E) (the run fails).
template <class Linear>
[[nodiscard]] bool moe_linear_run(const MoeLinearShape& s, const MoeRouteEntry* route, const void* in, float* out,
                                  Linear&& linear) {
  const std::uint64_t picks = s.rows * s.k, in_slots = s.shared_input ? 1 : s.k;
  for (std::uint64_t i = 0; i < picks; ++i) {
    if (route[i].expert < 0 || static_cast<std::uint64_t>(route[i].expert) >= s.experts) return false;
  }
  const auto* src = static_cast<const std::byte*>(in);
  const std::uint64_t in_row = s.K * s.in_bytes;
  std::vector<float> y(picks * s.N);  // [rows][k][N]
  std::vector<std::byte> gathered;
  std::vector<float> results;
  std::vector<std::uint64_t> members;
  for (std::uint64_t e = 0; e < s.experts; ++e) {
    members.clear();
    for (std::uint64_t i = 0; i < picks; ++i) {
      if (static_cast<std::uint64_t>(route[i].expert) == e) members.push_back(i);
    }
    if (members.empty()) continue;
    gathered.resize(members.size() * in_row);
    for (std::size_t m = 0; m < members.size(); ++m) {
      const std::uint64_t row = members[m] / s.k, slot = s.shared_input ? 0 : members[m] % s.k;
      std::memcpy(gathered.data() + m * in_row, src + (row * in_slots + slot) * in_row, in_row);
    }
    results.resize(members.size() * s.N);
    linear(e, static_cast<const void*>(gathered.data()), static_cast<std::uint64_t>(members.size()), results.data());
    for (std::size_t m = 0; m < members.size(); ++m) {
      std::memcpy(y.data() + members[m] * s.N, results.data() + m * s.N, s.N * sizeof(float));
    }
  }
  if (!s.combine) {
    std::memcpy(out, y.data(), y.size() * sizeof(float));
    return true;
  }
  for (std::uint64_t r = 0; r < s.rows; ++r) {
    float* o = out + r * s.N;
    for (std::uint64_t n = 0; n < s.N; ++n) {
      float t = 0.0f;
      for (std::uint64_t j = 0; j < s.k; ++j) t = t + route[r * s.k + j].weight * y[(r * s.k + j) * s.N + n];
      o[n] = t;
    }
  }
  return true;
}

}  // namespace npu::abi
