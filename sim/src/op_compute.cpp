// Runs each op's kernel on device memory. Operands are used in place when they lie inside one
// backing chunk and are aligned; otherwise they are copied to aligned scratch (and outputs written
// back afterwards).
#include <atomic>
#include <bit>
#include <chrono>
#include <cstring>
#include <vector>

#include "gemm_i8.hpp"
#include "llm_kernels.hpp"
#include "npu/sim/compute_clock.hpp"
#include "npu_abi/moe.hpp"
#include "npu_abi/operand_sizes.hpp"
#include "op_kernels.hpp"

namespace npu::sim {
namespace {

// One operand region of device memory, as a host pointer for the duration of an op.
class Region {
 public:
  // `load`: the kernel reads the current contents (inputs, in-place data, state).
  Region(DeviceMemory& mem, std::uint64_t address, std::uint64_t bytes, bool load, std::size_t align = 4)
      : mem_(mem), address_(address), bytes_(bytes) {
    std::byte* direct = bytes ? mem.contiguous(address, bytes) : nullptr;
    if (direct && reinterpret_cast<std::uintptr_t>(direct) % align == 0) {
      ptr_ = direct;
      return;
    }
    scratch_.resize((bytes + 7) / 8);
    ptr_ = reinterpret_cast<std::byte*>(scratch_.data());
    if (load && bytes) ok_ = mem.read(address, {ptr_, bytes});
  }
  [[nodiscard]] bool ok() const { return ok_; }
  template <class T>
  [[nodiscard]] T* as() const { return reinterpret_cast<T*>(ptr_); }
  // Writes scratch back (no-op for in-place regions).
  [[nodiscard]] bool store() {
    return scratch_.empty() || bytes_ == 0 || mem_.write(address_, {ptr_, bytes_});
  }

 private:
  DeviceMemory& mem_;
  std::uint64_t address_, bytes_;
  std::vector<std::uint64_t> scratch_;  // 8-byte aligned
  std::byte* ptr_ = nullptr;
  bool ok_ = true;
};

TableType table_type(std::uint8_t dtype) {
  switch (static_cast<abi::DType>(dtype)) {
    case abi::DType::kF16: return TableType::kF16;
    case abi::DType::kBF16: return TableType::kBF16;
    case abi::DType::kI8: return TableType::kI8;
    default: return TableType::kF32;
  }
}

float fparam(const abi::OpDesc& op, std::size_t i) { return std::bit_cast<float>(op.params[i]); }

fw::OpStatus status(bool ok) { return ok ? fw::OpStatus::kOk : fw::OpStatus::kExecError; }

std::atomic<std::uint64_t> g_compute_ns{0};

fw::OpStatus compute_values(DeviceMemory& mem, const fw::OpRequest& r);

}  // namespace

std::uint64_t compute_host_ns() noexcept { return g_compute_ns.load(std::memory_order_relaxed); }

fw::OpStatus compute_op(DeviceMemory& mem, const fw::OpRequest& r) {
  const auto start = std::chrono::steady_clock::now();
  const fw::OpStatus s = compute_values(mem, r);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  g_compute_ns.fetch_add(static_cast<std::uint64_t>(ns.count()), std::memory_order_relaxed);
  return s;
}

namespace {

// kMoeLinear: the shared dispatch (npu_abi/moe.hpp) over kLinear's kernels, one picked expert's
// weights at a time (only those are read).
fw::OpStatus moe_linear(DeviceMemory& mem, const fw::OpRequest& r, std::uint64_t n) {
  const abi::OpDesc& op = *r.op;
  const auto& a = r.address;
  const abi::MoeLinearShape s = abi::moe_linear_shape(op, n);
  const auto wt = static_cast<abi::DType>(op.operands[1].dtype);
  const std::uint64_t in_slots = abi::moe_in_slots(op), out_slots = abi::moe_out_slots(op);
  Region in(mem, a[0], n * in_slots * s.K * s.in_bytes, true, s.int_weights ? 1 : 4);
  Region route(mem, r.route_address, n * s.k * abi::kMoeRouteEntryBytes, true);
  Region out(mem, a[3], 4 * n * out_slots * s.N, false);
  if (!in.ok() || !route.ok()) return fw::OpStatus::kExecError;
  bool loaded = true;
  const bool ran = abi::moe_linear_run(s, route.as<abi::MoeRouteEntry>(), in.as<void>(), out.as<float>(),
                                       [&](std::uint64_t e, const void* x, std::uint64_t m, float* y) {
    Region w(mem, a[1] + e * s.weight_bytes, s.weight_bytes, true, s.int_weights ? 1 : 4);
    Region scales(mem, a[2] + e * s.scale_count * 4, s.scale_count * 4, true);
    if (!w.ok() || !scales.ok()) {
      loaded = false;
      return;
    }
    if (s.int_weights)
      linear_int(static_cast<const std::int8_t*>(x), w.as<std::uint8_t>(), wt == abi::DType::kI4, scales.as<float>(),
                 y, m, s.K, s.N, s.group, fparam(op, 0));
    else
      linear_float(static_cast<const float*>(x), w.as<void>(), table_type(op.operands[1].dtype), y, m, s.K, s.N);
  });
  return status(ran && loaded && out.store());
}

fw::OpStatus compute_values(DeviceMemory& mem, const fw::OpRequest& r) {
  const abi::OpDesc& op = *r.op;
  const auto& a = r.address;
  const std::uint64_t n = op_rows(r), d1 = op.dims[1], d2 = op.dims[2], d3 = op.dims[3], d4 = op.dims[4];
  const std::int64_t pos = op_position(r);
  const bool has2 = op.operands[2].segment != abi::kNoSegment;
  switch (static_cast<abi::OpCode>(op.opcode)) {
    case abi::OpCode::kNop: return fw::OpStatus::kOk;
    case abi::OpCode::kGemmI8: {
      Region in(mem, a[0], n * d1, true, 1), w(mem, a[1], d2 * d1, true, 1), out(mem, a[3], n * d2, false, 1);
      Region bias(mem, a[2], has2 ? 4 * d2 : 0, true);
      if (!in.ok() || !w.ok() || !bias.ok()) return fw::OpStatus::kExecError;
      const Requant q{op.params[0], op.params[1], op.params[2], op.params[3] == 1};
      gemm_i8(in.as<std::int8_t>(), w.as<std::int8_t>(), has2 ? bias.as<std::int32_t>() : nullptr,
              out.as<std::int8_t>(), n, d1, d2, q);
      return status(out.store());
    }
    case abi::OpCode::kEmbed: {
      const auto type = table_type(op.operands[1].dtype);
      Region ids(mem, a[0], 4 * n, true), table(mem, a[1], abi::dtype_bytes(op.operands[1].dtype, d2 * d1), true, 1);
      Region scales(mem, a[2], has2 ? 4 * d2 : 0, true), out(mem, a[3], 4 * n * d1, false);
      if (!ids.ok() || !table.ok() || !scales.ok()) return fw::OpStatus::kExecError;
      if (!embed(ids.as<std::int32_t>(), table.as<void>(), type, scales.as<float>(), out.as<float>(), n, d1, d2))
        return fw::OpStatus::kExecError;
      if (const float s = fparam(op, 0); s != 0.0f) {  // output scale (ABI 1.4)
        for (std::uint64_t i = 0; i < n * d1; ++i) out.as<float>()[i] = out.as<float>()[i] * s;
      }
      return status(out.store());
    }
    case abi::OpCode::kRmsNorm: {
      Region in(mem, a[0], 4 * n * d1, true), w(mem, a[1], 4 * d1, true), out(mem, a[3], 4 * n * d1, false);
      if (!in.ok() || !w.ok()) return fw::OpStatus::kExecError;
      rms_norm(in.as<float>(), w.as<float>(), out.as<float>(), n, d1, fparam(op, 0));
      return status(out.store());
    }
    case abi::OpCode::kQuantize: {
      Region in(mem, a[0], 4 * n * d1, true), out(mem, a[3], n * d1, false, 1);
      if (!in.ok()) return fw::OpStatus::kExecError;
      quantize(in.as<float>(), out.as<std::int8_t>(), n * d1, fparam(op, 0));
      return status(out.store());
    }
    case abi::OpCode::kLinear: {
      const auto wt = static_cast<abi::DType>(op.operands[1].dtype);
      const bool int_w = wt == abi::DType::kI8 || wt == abi::DType::kI4;
      const std::uint64_t w_bytes = abi::dtype_bytes(wt, d2 * d1);
      Region in(mem, a[0], n * d1 * (int_w ? 1 : 4), true, int_w ? 1 : 4), w(mem, a[1], w_bytes, true, int_w ? 1 : 4);
      Region scales(mem, a[2], int_w ? 4 * d2 * (d3 ? d1 / d3 : 1) : 0, true), out(mem, a[3], 4 * n * d2, false);
      if (!in.ok() || !w.ok() || !scales.ok()) return fw::OpStatus::kExecError;
      if (int_w)
        linear_int(in.as<std::int8_t>(), w.as<std::uint8_t>(), wt == abi::DType::kI4, scales.as<float>(),
                   out.as<float>(), n, d1, d2, d3, fparam(op, 0));
      else
        linear_float(in.as<float>(), w.as<void>(), table_type(op.operands[1].dtype), out.as<float>(), n, d1, d2);
      return status(out.store());
    }
    case abi::OpCode::kShortConv: {
      Region in(mem, a[0], 4 * n * 3 * d1, true), w(mem, a[1], 4 * d1 * d2, true);
      Region state(mem, a[2], 4 * (d2 - 1) * d1, pos != 0), out(mem, a[3], 4 * n * d1, false);
      if (!in.ok() || !w.ok() || !state.ok()) return fw::OpStatus::kExecError;
      if (pos == 0) std::memset(state.as<float>(), 0, 4 * (d2 - 1) * d1);
      short_conv(in.as<float>(), w.as<float>(), state.as<float>(), out.as<float>(), n, d1, d2);
      return status(out.store() && state.store());
    }
    case abi::OpCode::kRope: {
      const bool table = op.operands[1].segment != abi::kNoSegment;
      Region data(mem, a[0], 4 * n * d1 * d2, true), freqs(mem, a[1], table ? 4 * (d2 / 2) : 0, true);
      if (!data.ok() || !freqs.ok()) return fw::OpStatus::kExecError;
      rope(data.as<float>(), n, d1, d2, fparam(op, 0), table ? freqs.as<float>() : nullptr, pos);
      return status(data.store());
    }
    case abi::OpCode::kMoeRoute: {
      const bool has_bias = op.operands[1].segment != abi::kNoSegment;
      Region logits(mem, a[0], 4 * n * d1, true), bias(mem, a[1], has_bias ? 4 * d1 : 0, true);
      Region out(mem, a[3], n * d2 * abi::kMoeRouteEntryBytes, false);
      if (!logits.ok() || !bias.ok()) return fw::OpStatus::kExecError;
      abi::moe_route(logits.as<float>(), has_bias ? bias.as<float>() : nullptr, n, abi::moe_route_params(op),
                     out.as<abi::MoeRouteEntry>());
      return status(out.store());
    }
    case abi::OpCode::kMoeLinear: return moe_linear(mem, r, n);
    case abi::OpCode::kGeluGlu: {
      Region g(mem, a[0], 4 * n * d1, true), u(mem, a[1], 4 * n * d1, true), out(mem, a[3], 4 * n * d1, false);
      if (!g.ok() || !u.ok()) return fw::OpStatus::kExecError;
      gelu_glu(g.as<float>(), u.as<float>(), out.as<float>(), n * d1);
      return status(out.store());
    }
    case abi::OpCode::kKvAppend: {
      // A ring cache (ABI 1.4, Gemma 3's local layers) is not executed with values yet (timing-only
      // runs cost it, op_cost.cpp): the run fails here; the compiler refuses such models without --timing-only.
      if (op.dims[4] != 0) return fw::OpStatus::kExecError;
      const std::uint8_t kv = op.operands[2].dtype;
      Region k(mem, a[0], 4 * n * d1 * d2, true), v(mem, a[1], 4 * n * d1 * d2, true);
      Region cache(mem, a[2], abi::kv_cache_bytes(kv, d3, d1, d2), true);
      if (!k.ok() || !v.ok() || !cache.ok()) return fw::OpStatus::kExecError;
      if (!kv_append(k.as<float>(), v.as<float>(), cache.as<void>(), table_type(kv), n, d1, d2, d3, pos))
        return fw::OpStatus::kExecError;
      return status(cache.store());
    }
    case abi::OpCode::kAttention: {
      if (op.dims[5] != 0) return fw::OpStatus::kExecError;  // sliding window: as the ring cache above
      const std::uint8_t kv = op.operands[2].dtype;
      Region q(mem, a[0], 4 * n * d1 * d3, true), cache(mem, a[2], abi::kv_cache_bytes(kv, d4, d2, d3), true);
      Region out(mem, a[3], 4 * n * d1 * d3, false);
      if (!q.ok() || !cache.ok()) return fw::OpStatus::kExecError;
      if (!attention(q.as<float>(), cache.as<void>(), table_type(kv), out.as<float>(), n, d1, d2, d3, d4, pos,
                     fparam(op, 0)))
        return fw::OpStatus::kExecError;
      return status(out.store());
    }
    case abi::OpCode::kSwiGlu: {
      Region g(mem, a[0], 4 * n * d1, true), u(mem, a[1], 4 * n * d1, true), out(mem, a[3], 4 * n * d1, false);
      if (!g.ok() || !u.ok()) return fw::OpStatus::kExecError;
      swiglu(g.as<float>(), u.as<float>(), out.as<float>(), n * d1);
      return status(out.store());
    }
    case abi::OpCode::kAdd: {
      const bool bcast = (op.flags & abi::kBroadcastB) != 0;
      Region x(mem, a[0], 4 * n * d1, true), y(mem, a[1], 4 * (bcast ? 1 : n) * d1, true);
      Region out(mem, a[3], 4 * n * d1, false);
      if (!x.ok() || !y.ok()) return fw::OpStatus::kExecError;
      add(x.as<float>(), y.as<float>(), out.as<float>(), n, d1, bcast);
      return status(out.store());
    }
    case abi::OpCode::kCopyRow: {
      const std::int64_t row = op.params[0] == -1 ? static_cast<std::int64_t>(n) - 1 : op.params[0];
      if (row < 0 || static_cast<std::uint64_t>(row) >= n) return fw::OpStatus::kExecError;
      std::vector<std::byte> buf(d1);
      return status(mem.read(a[0] + static_cast<std::uint64_t>(row) * d1, buf) && mem.write(a[3], buf));
    }
    case abi::OpCode::kArgmax: {
      Region in(mem, a[0], 4 * n * d1, true), out(mem, a[3], 4 * n, false);
      if (!in.ok()) return fw::OpStatus::kExecError;
      argmax(in.as<float>(), out.as<std::int32_t>(), n, d1);
      return status(out.store());
    }
  }
  return fw::OpStatus::kExecError;
}

}  // namespace
}  // namespace npu::sim
