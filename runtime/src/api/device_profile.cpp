// The per-layer summary and the Chrome / Perfetto trace of a device profile (npu/device_profile.hpp).
#include "npu/device_profile.hpp"

#include <map>

#include <nlohmann/json.hpp>

namespace npu {

const char* to_string(ProfileKind kind) noexcept {
  switch (kind) {
    case ProfileKind::kOp: return "op";
    case ProfileKind::kDmaH2D: return "dma_h2d";
    case ProfileKind::kDmaD2H: return "dma_d2h";
    case ProfileKind::kContextSwitch: return "context_switch";
    case ProfileKind::kMailbox: return "mailbox";
  }
  return "unknown";
}

std::vector<LayerProfile> summarize_layers(std::span<const ProfileRecord> records, std::uint32_t context_id) {
  std::map<std::uint32_t, LayerProfile> by_layer;  // kNoLayer sorts last
  for (const auto& r : records) {
    if (r.kind != ProfileKind::kOp) continue;
    if (context_id != kNoContext && r.context_id != context_id) continue;
    LayerProfile& l = by_layer[r.layer];
    l.layer = r.layer;
    ++l.ops;
    l.cycles += r.end_cycle - r.start_cycle;
    l.compute_cycles += r.compute_cycles;
    l.memory_cycles += r.memory_cycles;
    l.bytes += r.bytes;
    l.energy_j += r.energy_j;
  }
  std::vector<LayerProfile> out;
  out.reserve(by_layer.size());
  for (auto& [layer, l] : by_layer) out.push_back(l);
  return out;
}

namespace {

// Trace tracks, one "thread" each.
enum Track : int { kHost = 1, kSwitch = 2, kCompute = 3, kH2d = 4, kD2h = 5 };

int track_of(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::kOp: return kCompute;
    case ProfileKind::kDmaH2D: return kH2d;
    case ProfileKind::kDmaD2H: return kD2h;
    case ProfileKind::kContextSwitch: return kSwitch;
    case ProfileKind::kMailbox: return kHost;
  }
  return kHost;
}

}  // namespace

std::string chrome_trace_json(const ProfileData& p, const std::string& device_name,
                              std::span<const std::pair<std::uint32_t, std::string>> context_names) {
  using nlohmann::json;
  const double us_per_cycle = p.clock_khz == 0 ? 1.0 : 1e3 / p.clock_khz;
  auto context_name = [&](std::uint32_t id) -> std::string {
    for (const auto& [cid, name] : context_names)
      if (cid == id) return name;
    return "context " + std::to_string(id);
  };
  json events = json::array();
  events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 0}, {"name", "process_name"},
                    {"args", {{"name", device_name + (p.clock_khz ? " (device time)" : " (device cycles)")}}}});
  const std::pair<int, const char*> tracks[] = {{kHost, "host interactions (mailbox)"},
                                                {kSwitch, "context switches"},
                                                {kCompute, "compute"},
                                                {kH2d, "DMA host->device"},
                                                {kD2h, "DMA device->host"}};
  for (const auto& [tid, name] : tracks) {
    events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", tid}, {"name", "thread_name"}, {"args", {{"name", name}}}});
    events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", tid}, {"name", "thread_sort_index"},
                      {"args", {{"sort_index", tid}}}});
  }
  for (const auto& r : p.records) {
    std::string name;
    json args = {{"start_cycle", r.start_cycle}, {"cycles", r.end_cycle - r.start_cycle},
                 {"energy_nj", r.energy_j * 1e9}};
    switch (r.kind) {
      case ProfileKind::kOp:
        name = r.op;
        if (r.layer != kNoLayer) name += " L" + std::to_string(r.layer);
        args["op_index"] = r.op_index;
        args["context"] = context_name(r.context_id);
        args["compute_cycles"] = r.compute_cycles;
        args["memory_cycles"] = r.memory_cycles;
        args["ddr_bytes"] = r.bytes;
        args["bound"] = r.memory_bound ? "memory" : "compute";
        if (r.layer != kNoLayer) args["layer"] = r.layer;
        break;
      case ProfileKind::kContextSwitch:
        name = "switch to " + context_name(r.context_id);
        args["bytes"] = r.bytes;
        break;
      case ProfileKind::kMailbox: name = r.op; break;
      default:
        name = to_string(r.kind);
        args["bytes"] = r.bytes;
        break;
    }
    events.push_back({{"ph", "X"},
                      {"pid", 1},
                      {"tid", track_of(r.kind)},
                      {"name", std::move(name)},
                      {"cat", to_string(r.kind)},
                      {"ts", static_cast<double>(r.start_cycle) * us_per_cycle},
                      {"dur", static_cast<double>(r.end_cycle - r.start_cycle) * us_per_cycle},
                      {"args", std::move(args)}});
  }
  json doc = {{"traceEvents", std::move(events)},
              {"displayTimeUnit", "ns"},
              {"otherData", {{"device", device_name}, {"clock_khz", p.clock_khz}, {"dropped_records", p.dropped}}}};
  return doc.dump();
}

}  // namespace npu
