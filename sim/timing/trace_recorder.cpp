#include "trace_recorder.hpp"

#include <nlohmann/json.hpp>

namespace npu::sim::detail {

std::string TraceRecorder::json(const DeviceProfile& profile) const {
  using nlohmann::json;
  const double us_per_cycle = 1e6 / profile.clock_hz;
  json events = json::array();
  events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 0}, {"name", "process_name"},
                    {"args", {{"name", "npu " + profile.name + " (modeled time)"}}}});
  for (std::size_t r = 0; r < kResourceCount; ++r) {
    const int tid = static_cast<int>(r) + 1;
    events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", tid}, {"name", "thread_name"},
                      {"args", {{"name", to_string(static_cast<Resource>(r))}}}});
    events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", tid}, {"name", "thread_sort_index"},
                      {"args", {{"sort_index", tid}}}});
  }
  for (const auto& e : events_) {
    events.push_back({{"ph", "X"},
                      {"pid", 1},
                      {"tid", static_cast<int>(e.resource) + 1},
                      {"name", e.label.empty() ? std::string(to_string(e.kind)) : e.label},
                      {"cat", to_string(e.kind)},
                      {"ts", static_cast<double>(e.start) * us_per_cycle},
                      {"dur", static_cast<double>(e.duration) * us_per_cycle},
                      {"args", {{"id", e.id}, {"start_cycle", e.start},
                                {"cycles", e.duration}, {"active_cycles", e.active}}}});
  }
  json doc = {{"traceEvents", std::move(events)},
              {"displayTimeUnit", "ns"},
              {"otherData", {{"profile", profile.name}, {"clock_hz", profile.clock_hz}}}};
  return doc.dump();
}

}  // namespace npu::sim::detail
