// The event-driven TimingModel: every resource is a server with a busy-until cycle; an item
// starts when it is ready and the servers it uses are free, holds them for its cost, and ends
// after its pipeline latency. No ticking: charging an item is O(resources).
#include "npu/sim/timing_model.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "item_cost.hpp"
#include "null_timing_model.hpp"
#include "trace_recorder.hpp"

namespace npu::sim {

const char* to_string(Resource r) noexcept {
  switch (r) {
    case Resource::kControl: return "control core";
    case Resource::kMac: return "MAC clusters";
    case Resource::kVector: return "vector unit";
    case Resource::kSram: return "SRAM";
    case Resource::kDdr: return "LPDDR4X";
    case Resource::kDmaH2D: return "DMA H2D";
    case Resource::kDmaD2H: return "DMA D2H";
    case Resource::kPcieLink: return "host link";
  }
  return "?";
}

const char* to_string(WorkKind k) noexcept {
  switch (k) {
    case WorkKind::kDmaH2D: return "dma_h2d";
    case WorkKind::kDmaD2H: return "dma_d2h";
    case WorkKind::kCompute: return "compute";
    case WorkKind::kContextSwitch: return "context_switch";
    case WorkKind::kControl: return "control";
  }
  return "?";
}

namespace {

constexpr auto idx(Resource r) { return static_cast<std::size_t>(r); }

class ServerTimingModel final : public TimingModel {
 public:
  explicit ServerTimingModel(DeviceProfile profile)
      : profile_(std::move(profile)), costs_(profile_) {}

  Charge charge(const WorkItem& item, Cycles ready) override { return charge(item, costs_.cost(item), ready); }
  [[nodiscard]] ItemCost cost(const WorkItem& item) override { return costs_.cost(item); }

  Charge charge(const WorkItem& item, const ItemCost& c, Cycles ready) override {
    // The body starts once the item is ready, its lead on the control core fits before it,
    // and every server it uses is free.
    // No server is busy past now_ (each is freed by the end of an item, and now_ is the latest
    // end), so an item ready at or after now_ — every op of a run, which waits for its
    // predecessor — finds them all free and starts its body right after its lead.
    Cycles body_start = ready + c.lead;
    if (ready < now_) {
      if (c.lead > 0) body_start = std::max(body_start, free_[idx(Resource::kControl)] + c.lead);
      for (std::uint32_t m = c.uses; m != 0; m &= m - 1) {  // the resources it uses, in order
        body_start = std::max(body_start, free_[static_cast<std::size_t>(std::countr_zero(m))]);
      }
    }
    const Cycles start = body_start - c.lead;
    const Cycles body = c.body;
    const Cycles end = body_start + body;
    const std::uint64_t id = totals_.items++;

    if (c.lead > 0) {
      free_[idx(Resource::kControl)] = body_start;
      totals_.busy[idx(Resource::kControl)] += c.lead;
      record(Resource::kControl, item, start, c.lead, c.lead, id);
    }
    for (std::uint32_t m = c.uses; m != 0; m &= m - 1) {
      const auto r = static_cast<std::size_t>(std::countr_zero(m));
      const Cycles occupied = c.held[r] ? body : c.active[r];
      free_[r] = body_start + occupied;
      totals_.busy[r] += c.active[r];
      record(static_cast<Resource>(r), item, body_start, occupied, c.active[r], id);
    }
    totals_.macs += item.kind == WorkKind::kCompute ? item.macs : 0;
    totals_.ddr_bytes += c.ddr_bytes;
    totals_.link_bytes += c.link_bytes;
    totals_.dynamic_energy_j += c.energy_j;
    now_ = std::max(now_, end);
    add_busy_interval(start, end);

    return Charge{.start = start,
                  .end = end,
                  .compute_cycles = c.compute,
                  .memory_cycles = c.memory,
                  .ddr_bytes = c.ddr_bytes,
                  .memory_bound = c.memory > c.compute,
                  .energy_j = c.energy_j};
  }

  [[nodiscard]] Cycles now() const noexcept override { return now_; }
  [[nodiscard]] Cycles busy_cycles() const noexcept override { return busy_total_; }
  [[nodiscard]] const DeviceProfile& profile() const noexcept override { return profile_; }
  [[nodiscard]] const TimingTotals& totals() const noexcept override { return totals_; }
  [[nodiscard]] double energy_j() const noexcept override {
    return profile_.static_power_w * profile_.seconds(now_) + totals_.dynamic_energy_j;
  }

  void reset() noexcept override {
    free_.fill(0);
    totals_ = {};
    now_ = 0;
    busy_total_ = 0;
    intervals_.clear();
    last_start_ = 0;
    last_end_ = nullptr;
    trace_.clear();
  }

  void enable_trace(bool on) override { tracing_ = on; }
  [[nodiscard]] std::string trace_json() const override { return trace_.json(profile_); }

 private:
  void record(Resource r, const WorkItem& item, Cycles start, Cycles duration, Cycles active,
              std::uint64_t id) {
    if (!tracing_ || duration == 0) return;
    trace_.add({r, item.kind, start, duration, active, id, item.label});
  }

  // Keeps the union of [start, end) intervals of all items, merged, so busy_cycles() is exact.
  // Back-to-back work merges into one interval, so the map stays small.
  void add_busy_interval(Cycles start, Cycles end) {
    if (end <= start) return;
    // Fast path (almost every item): it starts inside or after the last interval, so at most the
    // last interval grows; no node is allocated or freed.
    if (last_end_ != nullptr && start >= last_start_ && start <= *last_end_) {
      if (end > *last_end_) {
        busy_total_ += end - *last_end_;
        *last_end_ = end;
      }
      return;
    }
    auto it = intervals_.upper_bound(start);
    if (it != intervals_.begin()) {
      auto prev = std::prev(it);
      if (prev->second >= start) {
        if (prev->second >= end) return;
        start = prev->first;
        busy_total_ -= prev->second - prev->first;
        it = intervals_.erase(prev);
      }
    }
    while (it != intervals_.end() && it->first <= end) {
      end = std::max(end, it->second);
      busy_total_ -= it->second - it->first;
      it = intervals_.erase(it);
    }
    intervals_.emplace(start, end);
    busy_total_ += end - start;
    const auto last = std::prev(intervals_.end());
    last_start_ = last->first;
    last_end_ = &last->second;
  }

  DeviceProfile profile_;
  detail::CostModel costs_;
  std::array<Cycles, kResourceCount> free_{};
  TimingTotals totals_;
  Cycles now_ = 0;
  Cycles busy_total_ = 0;
  std::map<Cycles, Cycles> intervals_;
  // The last interval of intervals_ (nodes do not move), for the fast path; null when empty.
  Cycles last_start_ = 0;
  Cycles* last_end_ = nullptr;
  bool tracing_ = false;
  detail::TraceRecorder trace_;
};

}  // namespace

Expected<std::unique_ptr<TimingModel>> TimingModel::create(const DeviceProfile& profile) {
  if (!(profile.clock_hz > 0) || !(profile.int8_ops_per_s > 0) || !(profile.int4_ops_per_s > 0) ||
      !(profile.vector_ops_per_s > 0) || !(profile.ddr_peak_bytes_per_s > 0) ||
      !(profile.ddr_efficiency > 0) || !(profile.sram_bytes_per_s > 0) ||
      !(profile.link_bytes_per_s > 0) || !(profile.compute_efficiency > 0) ||
      !(profile.placement_bytes_per_s > 0)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("device profile \"{}\" has a zero or negative rate; load it with "
                            "DeviceProfile::load so every field is checked",
                            profile.name));
  }
  // NPU_SIM_TIMING=null: charge nothing (to measure the timing model's own host cost).
  if (const char* env = std::getenv("NPU_SIM_TIMING"); env != nullptr && std::strcmp(env, "null") == 0)
    return detail::make_null_timing_model(profile);
  return std::unique_ptr<TimingModel>(new ServerTimingModel(profile));
}

}  // namespace npu::sim
