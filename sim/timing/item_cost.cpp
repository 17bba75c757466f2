#include "item_cost.hpp"

#include <algorithm>
#include <cmath>

namespace npu::sim::detail {

namespace {
constexpr auto idx(Resource r) { return static_cast<std::size_t>(r); }
}  // namespace

CostModel::CostModel(const DeviceProfile& profile)
    : p_(profile), ddr_rate_(profile.ddr_peak_bytes_per_s * profile.ddr_efficiency), memo_(kMemoSlots) {}

CostModel::Key CostModel::key_of(const WorkItem& item) noexcept {
  Key k;
  k.kinds = static_cast<std::uint64_t>(item.kind) | static_cast<std::uint64_t>(item.precision) << 8 |
            static_cast<std::uint64_t>(item.weight_location) << 16 |
            static_cast<std::uint64_t>(item.act_location) << 24 | std::uint64_t{item.descriptors} << 32;
  k.macs = item.macs;
  k.vector_ops = item.vector_ops;
  k.weight_bytes = item.weight_bytes;
  k.layer_weight_bytes = item.layer_weight_bytes;
  k.act_bytes_in = item.act_bytes_in;
  k.act_bytes_out = item.act_bytes_out;
  k.bytes = item.bytes;
  k.control_ns = item.control_ns;
  return k;
}

std::size_t CostModel::slot_of(const Key& k) noexcept {
  // The fields that tell a program's ops apart (the rest are compared on a hit).
  std::uint64_t h = (k.kinds ^ k.macs * 0x9e3779b97f4a7c15ull) + (k.weight_bytes ^ k.act_bytes_in) * 0xff51afd7ed558ccdull +
                    (k.vector_ops ^ k.bytes) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return static_cast<std::size_t>(h & (kMemoSlots - 1));
}

ItemCost CostModel::cost(const WorkItem& item) {
  const Key key = key_of(item);
  Slot& slot = memo_[slot_of(key)];
  if (slot.used && slot.key == key) return slot.cost;
  slot.key = key;
  slot.cost = compute_cost(item);
  slot.used = true;
  return slot.cost;
}

// The one rounding rule: amount / rate seconds, converted to cycles, rounded up.
Cycles CostModel::over(double amount, double per_second) const noexcept {
  if (amount <= 0) return 0;
  return p_.cycles(amount / per_second);
}

// 16-bit operands run as 2x2 int8 passes; fp32 is emulated at 1/16 of the int8 rate. A mixed
// pair (W4A8) runs at the rate of its wider operand: the workload passes the wider one.
double CostModel::mac_ops_per_s(Precision p) const noexcept {
  switch (p) {
    case Precision::kInt4: return p_.int4_ops_per_s;
    case Precision::kInt8: return p_.int8_ops_per_s;
    case Precision::kInt16:
    case Precision::kFp16: return p_.int8_ops_per_s / 4;
    case Precision::kFp32: return p_.int8_ops_per_s / 16;
  }
  return p_.int8_ops_per_s;
}

double CostModel::mac_energy(Precision p) const noexcept {
  switch (p) {
    case Precision::kInt4: return p_.energy_per_int4_mac_j;
    case Precision::kInt8: return p_.energy_per_int8_mac_j;
    case Precision::kInt16:
    case Precision::kFp16: return 4 * p_.energy_per_int8_mac_j;
    case Precision::kFp32: return 16 * p_.energy_per_int8_mac_j;
  }
  return p_.energy_per_int8_mac_j;
}

// Layer weights streamed from DDR fill the clusters' context memory; every context_weight_bytes of
// them the clusters stop and are reconfigured for the next hardware context. Each op carries its
// share of those reconfigurations (so the cost does not depend on where a run's boundaries fall).
double CostModel::reconfig_ns(const WorkItem& item) const noexcept {
  if (item.weight_location != MemLocation::kDdr || item.layer_weight_bytes == 0) return 0.0;
  return p_.context_reconfig_ns * static_cast<double>(item.layer_weight_bytes) /
         static_cast<double>(p_.context_weight_bytes);
}

ItemCost CostModel::compute(const WorkItem& item) const {
  ItemCost c;
  c.lead = p_.cycles((p_.op_dispatch_ns + reconfig_ns(item)) * 1e-9);
  std::uint64_t ddr = 0;
  std::uint64_t sram = 0;
  std::uint64_t host = 0;
  auto place = [&](std::uint64_t bytes, MemLocation where) {
    (where == MemLocation::kDdr ? ddr : where == MemLocation::kSram ? sram : host) += bytes;
  };
  place(item.weight_bytes, item.weight_location);
  place(item.act_bytes_in + item.act_bytes_out, item.act_location);

  auto& a = c.active;
  a[idx(Resource::kMac)] =
      over(2.0 * static_cast<double>(item.macs), mac_ops_per_s(item.precision) * p_.compute_efficiency);
  a[idx(Resource::kVector)] = over(static_cast<double>(item.vector_ops), p_.vector_ops_per_s);
  a[idx(Resource::kDdr)] = over(static_cast<double>(ddr), ddr_rate_);
  a[idx(Resource::kSram)] = over(static_cast<double>(sram), p_.sram_bytes_per_s);
  a[idx(Resource::kPcieLink)] = over(static_cast<double>(host), p_.link_bytes_per_s);
  c.held[idx(Resource::kMac)] = item.macs > 0;
  c.held[idx(Resource::kVector)] = item.vector_ops > 0;

  if (ddr > 0) c.latency += p_.cycles(p_.ddr_latency_ns * 1e-9);
  if (host > 0) c.latency += p_.cycles(p_.link_latency_ns * 1e-9);
  c.compute = std::max(a[idx(Resource::kMac)], a[idx(Resource::kVector)]);
  c.memory = std::max({a[idx(Resource::kDdr)], a[idx(Resource::kSram)], a[idx(Resource::kPcieLink)]});
  c.ddr_bytes = ddr;
  c.link_bytes = host;
  c.energy_j = static_cast<double>(item.macs) * mac_energy(item.precision) +
               static_cast<double>(item.vector_ops) * p_.energy_per_vector_op_j +
               static_cast<double>(ddr) * p_.energy_per_ddr_byte_j +
               static_cast<double>(sram) * p_.energy_per_sram_byte_j +
               static_cast<double>(host) * p_.energy_per_link_byte_j;
  return c;
}

ItemCost CostModel::dma(const WorkItem& item) const {
  ItemCost c;
  const auto engine = item.kind == WorkKind::kDmaH2D ? Resource::kDmaH2D : Resource::kDmaD2H;
  const double bytes = static_cast<double>(item.bytes);
  const Cycles link = over(bytes, p_.link_bytes_per_s);
  const Cycles descriptors = p_.cycles(item.descriptors * p_.dma_descriptor_ns * 1e-9);
  c.active[idx(Resource::kPcieLink)] = link;
  c.active[idx(engine)] = std::max(link, descriptors);
  c.active[idx(Resource::kDdr)] = over(bytes, ddr_rate_);
  c.held[idx(engine)] = true;
  c.latency = p_.cycles(p_.link_latency_ns * 1e-9);
  c.memory = std::max(link, c.active[idx(Resource::kDdr)]);
  c.ddr_bytes = item.bytes;
  c.link_bytes = item.bytes;
  c.energy_j = bytes * (p_.energy_per_link_byte_j + p_.energy_per_ddr_byte_j);
  return c;
}

ItemCost CostModel::context_switch(const WorkItem& item) const {
  ItemCost c;
  c.lead = p_.cycles(p_.context_switch_fixed_ns * 1e-9);
  const double bytes = static_cast<double>(item.bytes);
  c.active[idx(Resource::kDdr)] = over(bytes, ddr_rate_);
  c.active[idx(Resource::kSram)] = over(bytes, p_.sram_bytes_per_s);
  c.latency = item.bytes > 0 ? p_.cycles(p_.ddr_latency_ns * 1e-9) : 0;
  c.memory = std::max(c.active[idx(Resource::kDdr)], c.active[idx(Resource::kSram)]);
  c.ddr_bytes = item.bytes;
  c.energy_j = bytes * (p_.energy_per_ddr_byte_j + p_.energy_per_sram_byte_j);
  return c;
}

ItemCost CostModel::control(const WorkItem& item) const {
  ItemCost c;
  const double fixed_ns =
      item.control_ns > 0 ? static_cast<double>(item.control_ns) : p_.mailbox_latency_ns;
  const double bytes = static_cast<double>(item.bytes);
  c.lead = p_.cycles(fixed_ns * 1e-9);
  // Placement: the control core reads the staging copy and writes the final one.
  c.active[idx(Resource::kControl)] = over(bytes, p_.placement_bytes_per_s);
  c.active[idx(Resource::kDdr)] = over(2 * bytes, ddr_rate_);
  c.compute = c.active[idx(Resource::kControl)];
  c.memory = c.active[idx(Resource::kDdr)];
  c.ddr_bytes = 2 * item.bytes;
  c.energy_j = 2 * bytes * p_.energy_per_ddr_byte_j;
  return c;
}

ItemCost CostModel::compute_cost(const WorkItem& item) const {
  ItemCost c;
  switch (item.kind) {
    case WorkKind::kCompute: c = compute(item); break;
    case WorkKind::kDmaH2D:
    case WorkKind::kDmaD2H: c = dma(item); break;
    case WorkKind::kContextSwitch: c = context_switch(item); break;
    case WorkKind::kControl: c = control(item); break;
  }
  c.finish();
  return c;
}

}  // namespace npu::sim::detail
