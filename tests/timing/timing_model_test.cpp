// TimingModel: costs from MACs and bytes, overlap of independent work, serialisation on shared
// servers, accounting, determinism and the Perfetto trace.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/sim/timing_model.hpp"

namespace npu::sim {
namespace {

DeviceProfile profile() {
  auto p = DeviceProfile::load("hailo10h");
  EXPECT_TRUE(p) << p.error().what();
  return *p;
}

std::unique_ptr<TimingModel> model(const DeviceProfile& p) {
  auto m = TimingModel::create(p);
  EXPECT_TRUE(m) << m.error().what();
  return std::move(*m);
}

WorkItem gemm(std::uint64_t macs, std::uint64_t weight_bytes, MemLocation where) {
  WorkItem w;
  w.kind = WorkKind::kCompute;
  w.label = "gemm";
  w.macs = macs;
  w.precision = Precision::kInt8;
  w.weight_bytes = weight_bytes;
  w.weight_location = where;
  return w;
}

WorkItem h2d(std::uint64_t bytes) {
  WorkItem w;
  w.kind = WorkKind::kDmaH2D;
  w.label = "upload";
  w.bytes = bytes;
  w.descriptors = 1;
  return w;
}

TEST(TimingModel, ComputeBoundOpCostsItsMacs) {
  const auto p = profile();
  auto m = model(p);
  const std::uint64_t macs = 1'000'000'000;
  const Charge c = m->charge(gemm(macs, 4096, MemLocation::kSram), 0);
  const double expected_s = 2.0 * macs / (p.int8_ops_per_s * p.compute_efficiency);
  EXPECT_FALSE(c.memory_bound);
  EXPECT_EQ(c.compute_cycles, p.cycles(expected_s));
  EXPECT_GE(c.end - c.start, c.compute_cycles);
  EXPECT_LT(c.end - c.start, c.compute_cycles + p.cycles(10e-6));
  EXPECT_EQ(c.ddr_bytes, 0u);
}

TEST(TimingModel, StreamingOpIsMaxOfComputeAndMemoryNotSum) {
  const auto p = profile();
  auto m = model(p);
  // Both halves sizeable: the op takes about the longer one, well under their sum.
  const std::uint64_t bytes = 64ull << 20;
  const double mem_s = bytes / (p.ddr_peak_bytes_per_s * p.ddr_efficiency);
  const auto macs = static_cast<std::uint64_t>(0.5 * mem_s * p.int8_ops_per_s *
                                               p.compute_efficiency / 2);
  const Charge c = m->charge(gemm(macs, bytes, MemLocation::kDdr), 0);
  EXPECT_TRUE(c.memory_bound);
  EXPECT_EQ(c.ddr_bytes, bytes);
  const Cycles dur = c.end - c.start;
  EXPECT_GE(dur, c.memory_cycles);
  EXPECT_LT(dur, c.memory_cycles + c.compute_cycles / 2);
}

// Layer weights streamed from DDR fill hardware contexts of context_weight_bytes; each costs one
// reconfiguration of the clusters (no overlap: the op's body starts after it). KV-cache bytes
// (weight_bytes without layer_weight_bytes) and SRAM-resident weights cost none.
TEST(TimingModel, LayerWeightsFromDdrPayTheirShareOfContextReconfigurations) {
  const auto p = profile();
  ASSERT_GT(p.context_weight_bytes, 0u);
  ASSERT_GT(p.context_reconfig_ns, 0.0);
  const std::uint64_t bytes = 4 * p.context_weight_bytes;
  WorkItem layer = gemm(1000, bytes, MemLocation::kDdr);
  layer.layer_weight_bytes = bytes;
  const WorkItem kv = gemm(1000, bytes, MemLocation::kDdr);  // same bytes, not layer weights
  WorkItem resident = gemm(1000, bytes, MemLocation::kSram);
  resident.layer_weight_bytes = bytes;
  const Charge a = model(p)->charge(layer, 0);
  const Charge b = model(p)->charge(kv, 0);
  const Charge c = model(p)->charge(resident, 0);
  EXPECT_EQ((a.end - a.start) - (b.end - b.start), p.cycles((p.op_dispatch_ns + 4 * p.context_reconfig_ns) * 1e-9) -
                                                     p.cycles(p.op_dispatch_ns * 1e-9));
  EXPECT_EQ(a.memory_cycles, b.memory_cycles);  // the DDR stream itself is unchanged
  EXPECT_LT(c.end - c.start, b.end - b.start);
}

TEST(TimingModel, IndependentDmaOverlapsComputeButSharedServersSerialise) {
  const auto p = profile();
  auto m = model(p);
  const Charge op = m->charge(gemm(2'000'000'000, 4096, MemLocation::kSram), 0);
  const Charge dma = m->charge(h2d(1 << 20), 0);
  EXPECT_EQ(dma.start, 0u);  // ran alongside the compute op
  EXPECT_LT(dma.end, op.end);
  const Charge dma2 = m->charge(h2d(1 << 20), 0);
  EXPECT_GE(dma2.start, dma.end - p.cycles(p.link_latency_ns * 1e-9));  // waited for the link
  const Charge op2 = m->charge(gemm(1000, 64, MemLocation::kSram), 0);
  EXPECT_GE(op2.start + p.cycles(p.op_dispatch_ns * 1e-9), op.end);  // waited for the MACs
  EXPECT_EQ(m->now(), std::max({op.end, dma2.end, op2.end}));
}

TEST(TimingModel, AccountsBusyTimeEnergyAndReset) {
  const auto p = profile();
  auto m = model(p);
  const Charge a = m->charge(gemm(1'000'000, 1 << 20, MemLocation::kDdr), 0);
  const Charge b = m->charge(gemm(1'000'000, 1 << 20, MemLocation::kDdr), a.end + 1000);
  EXPECT_EQ(m->busy_cycles(), (a.end - a.start) + (b.end - b.start));  // the gap is idle
  const auto& t = m->totals();
  EXPECT_EQ(t.items, 2u);
  EXPECT_EQ(t.macs, 2'000'000u);
  EXPECT_EQ(t.ddr_bytes, 2u << 20);
  EXPECT_GT(t.busy[static_cast<int>(Resource::kDdr)], 0u);
  EXPECT_EQ(t.busy[static_cast<int>(Resource::kPcieLink)], 0u);
  const double expected = p.static_power_w * p.seconds(m->now()) + a.energy_j + b.energy_j;
  EXPECT_DOUBLE_EQ(m->energy_j(), expected);
  EXPECT_GT(a.energy_j, (1 << 20) * p.energy_per_ddr_byte_j * 0.99);
  m->reset();
  EXPECT_EQ(m->now(), 0u);
  EXPECT_EQ(m->busy_cycles(), 0u);
  EXPECT_EQ(m->totals().items, 0u);
}

TEST(TimingModel, ContextSwitchAndControlCostFixedTimePlusBytes) {
  const auto p = profile();
  auto m = model(p);
  WorkItem cs;
  cs.kind = WorkKind::kContextSwitch;
  cs.bytes = 8 << 20;
  const Charge c = m->charge(cs, 0);
  EXPECT_GE(c.end - c.start, p.cycles(p.context_switch_fixed_ns * 1e-9) + c.memory_cycles);
  WorkItem place;
  place.kind = WorkKind::kControl;
  place.bytes = 1 << 20;
  const Charge d = m->charge(place, 0);
  EXPECT_GE(d.start, c.start + p.cycles(p.context_switch_fixed_ns * 1e-9));  // control was busy
  EXPECT_GE(d.end - d.start, p.cycles(p.mailbox_latency_ns * 1e-9) +
                                 p.cycles((1 << 20) / p.placement_bytes_per_s));
}

std::vector<WorkItem> mixed_items() {
  std::vector<WorkItem> items;
  for (int i = 0; i < 50; ++i) {
    items.push_back(gemm(1'000'000ull * (i % 7 + 1), 100'000ull * (i % 5 + 1),
                         i % 3 ? MemLocation::kDdr : MemLocation::kSram));
    if (i % 4 == 0) items.push_back(h2d(4096ull * (i + 1)));
  }
  return items;
}

std::pair<std::vector<Charge>, std::string> run(const DeviceProfile& p) {
  auto m = model(p);
  m->enable_trace(true);
  std::vector<Charge> out;
  Cycles ready = 0;
  for (const auto& item : mixed_items()) {
    out.push_back(m->charge(item, ready));
    if (item.kind == WorkKind::kCompute) ready = out.back().end;
  }
  return {out, m->trace_json()};
}

TEST(TimingModel, DeterministicCyclesAndTrace) {
  const auto p = profile();
  const auto [a, trace_a] = run(p);
  const auto [b, trace_b] = run(p);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].start, b[i].start);
    EXPECT_EQ(a[i].end, b[i].end);
    EXPECT_EQ(a[i].energy_j, b[i].energy_j);
  }
  EXPECT_EQ(trace_a, trace_b);
}

TEST(TimingModel, TraceIsValidPerfettoJson) {
  const auto p = profile();
  const auto [charges, text] = run(p);
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_TRUE(doc.contains("traceEvents"));
  int complete = 0;
  int thread_names = 0;
  double last_end_us = 0;
  for (const auto& e : doc["traceEvents"]) {
    ASSERT_TRUE(e.contains("ph") && e.contains("pid") && e.contains("tid") && e.contains("name"));
    if (e["ph"] == "M" && e["name"] == "thread_name") ++thread_names;
    if (e["ph"] != "X") continue;
    ++complete;
    ASSERT_TRUE(e["ts"].is_number() && e["dur"].is_number());
    EXPECT_GE(e["ts"].get<double>(), 0.0);
    EXPECT_GT(e["dur"].get<double>(), 0.0);
    last_end_us = std::max(last_end_us, e["ts"].get<double>() + e["dur"].get<double>());
  }
  EXPECT_EQ(thread_names, static_cast<int>(kResourceCount));
  // A resource is a server: its events never overlap (Perfetto needs nesting on a track).
  std::map<int, std::vector<std::pair<Cycles, Cycles>>> by_track;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] != "X") continue;
    by_track[e["tid"].get<int>()].emplace_back(e["args"]["start_cycle"].get<Cycles>(),
                                               e["args"]["cycles"].get<Cycles>());
  }
  for (auto& [tid, spans] : by_track) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i) {
      EXPECT_GE(spans[i].first, spans[i - 1].first + spans[i - 1].second) << "track " << tid;
    }
  }
  EXPECT_GT(complete, static_cast<int>(charges.size()));  // several resources per item
  Cycles last = 0;
  for (const auto& c : charges) last = std::max(last, c.end);
  // Modeled microseconds: the trace ends where the last item's busy time ends.
  EXPECT_LE(last_end_us, p.seconds(last) * 1e6 + 1e-6);
  EXPECT_GT(last_end_us, p.seconds(last) * 1e6 * 0.9);
}

TEST(TimingModel, TraceOffRecordsNothing) {
  const auto p = profile();
  auto m = model(p);
  (void)m->charge(gemm(1000, 1000, MemLocation::kDdr), 0);
  const auto doc = nlohmann::json::parse(m->trace_json());
  for (const auto& e : doc["traceEvents"]) EXPECT_NE(e["ph"], "X");
}

TEST(TimingModel, CreateRejectsUnloadedProfile) {
  auto m = TimingModel::create(DeviceProfile{});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kInvalidArgument);
}

// A cost worked out once and charged many times (how the simulator charges a loaded program's ops
// every step) gives exactly the cycles, totals and energy of charging the item itself.
TEST(TimingModel, ChargingAPricedItemEqualsChargingTheItem) {
  const auto p = profile();
  auto direct = model(p), priced = model(p);
  WorkItem op = gemm(1'000'000, 4'000'000, MemLocation::kDdr);
  op.layer_weight_bytes = op.weight_bytes;
  op.act_bytes_in = 4096;
  op.act_bytes_out = 8192;
  WorkItem ctrl;
  ctrl.kind = WorkKind::kControl;
  ctrl.bytes = 65536;
  const std::vector<WorkItem> items = {h2d(1 << 20), op, ctrl, op, h2d(512), op};
  std::vector<ItemCost> costs;
  for (const auto& w : items) costs.push_back(priced->cost(w));
  EXPECT_GT(costs[1].body, 0u);
  EXPECT_NE(costs[1].uses, 0u);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Cycles ready = direct->now() / 2;  // some items wait for servers, some do not
      const Charge a = direct->charge(items[i], ready);
      const Charge b = priced->charge(items[i], costs[i], ready);
      EXPECT_EQ(a.start, b.start);
      EXPECT_EQ(a.end, b.end);
      EXPECT_EQ(a.compute_cycles, b.compute_cycles);
      EXPECT_EQ(a.memory_cycles, b.memory_cycles);
      EXPECT_EQ(a.ddr_bytes, b.ddr_bytes);
      EXPECT_EQ(a.energy_j, b.energy_j);
    }
  }
  EXPECT_EQ(direct->now(), priced->now());
  EXPECT_EQ(direct->busy_cycles(), priced->busy_cycles());
  for (std::size_t r = 0; r < kResourceCount; ++r) EXPECT_EQ(direct->totals().busy[r], priced->totals().busy[r]);
  EXPECT_EQ(direct->energy_j(), priced->energy_j());
}

}  // namespace
}  // namespace npu::sim
