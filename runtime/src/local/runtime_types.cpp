#include "local/runtime_types.hpp"

#include "npu_abi/mailbox.hpp"
#include "npu_abi/program.hpp"

namespace npu::local {

DeviceInfo to_runtime(const hal::DeviceInfo& d) {
  DeviceInfo out;
  out.id = d.id;
  out.backend = d.backend;
  out.name = d.name;
  out.bus_address = d.bus_address;
  out.vendor_id = d.vendor_id;
  out.device_id = d.device_id;
  out.kernel_driver = d.kernel_driver;
  out.link = d.link;
  out.usable = d.abi_native;
  out.note = d.note;
  return out;
}

DeviceIdentity to_runtime(const driver::DeviceIdentity& d) {
  DeviceIdentity out;
  out.info = to_runtime(d.info);
  out.abi_version = d.abi_version;
  out.fw_version = d.fw_version;
  out.fw_build_id = d.fw_build_id;
  out.clock_khz = d.clock_khz;
  out.ddr_bytes = d.ddr_bytes;
  out.sram_bytes = d.sram_bytes;
  out.num_clusters = d.num_clusters;
  out.max_contexts = d.max_contexts;
  out.serial = d.serial;
  out.board_name = d.board_name;
  out.profile = d.profile;
  return out;
}

// The two structs list the same counters (a new driver counter must be added to both).
static_assert(sizeof(DeviceStats) == sizeof(driver::DeviceStats));

DeviceStats to_runtime(const driver::DeviceStats& s) {
  DeviceStats out;
  out.cycles = s.cycles;
  out.busy_cycles = s.busy_cycles;
  out.runs = s.runs;
  out.context_switches = s.context_switches;
  out.h2d_bytes = s.h2d_bytes;
  out.d2h_bytes = s.d2h_bytes;
  out.ddr_bytes = s.ddr_bytes;
  out.mailbox_requests = s.mailbox_requests;
  out.contexts_loaded = s.contexts_loaded;
  out.energy_j = s.energy_j;
  out.dynamic_energy_j = s.dynamic_energy_j;
  out.resets = s.resets;
  out.lost_interrupts = s.lost_interrupts;
  out.interrupts = s.interrupts;
  out.device_memory_free = s.device_memory_free;
  out.device_memory_largest_free = s.device_memory_largest_free;
  out.device_memory_fragmentation = s.device_memory_fragmentation;
  out.h2d_descriptors = s.h2d_descriptors;
  out.d2h_descriptors = s.d2h_descriptors;
  out.dma_ring_full_waits = s.dma_ring_full_waits;
  return out;
}

namespace {
ProfileKind kind_of(std::uint16_t kind) {
  switch (static_cast<abi::ProfileKind>(kind)) {
    case abi::ProfileKind::kOp: return ProfileKind::kOp;
    case abi::ProfileKind::kDmaH2D: return ProfileKind::kDmaH2D;
    case abi::ProfileKind::kDmaD2H: return ProfileKind::kDmaD2H;
    case abi::ProfileKind::kContextSwitch: return ProfileKind::kContextSwitch;
    case abi::ProfileKind::kMailbox: return ProfileKind::kMailbox;
  }
  return ProfileKind::kMailbox;
}
}  // namespace

ProfileData to_runtime(const driver::ProfileData& p) {
  ProfileData out;
  out.dropped = p.dropped;
  out.clock_khz = p.clock_khz;
  out.records.reserve(p.records.size());
  for (const auto& r : p.records) {
    ProfileRecord o;
    o.kind = kind_of(r.kind);
    if (o.kind == ProfileKind::kOp) o.op = abi::op_name(r.opcode);
    else if (o.kind == ProfileKind::kMailbox) o.op = driver::mailbox_command_name(r.opcode);
    o.start_cycle = r.start_cycle;
    o.end_cycle = r.end_cycle;
    o.compute_cycles = r.compute_cycles;
    o.memory_cycles = r.memory_cycles;
    o.bytes = r.bytes;
    o.energy_j = r.energy_nj * 1e-9;
    o.context_id = r.context_id;
    o.op_index = r.op_index;
    o.layer = r.layer;
    o.memory_bound = r.memory_bound != 0;
    out.records.push_back(std::move(o));
  }
  return out;
}

}  // namespace npu::local
