// Records resource occupancy and writes it as Chrome / Perfetto trace JSON: one track (thread)
// per resource, complete events ("ph":"X") with ts/dur in microseconds of modeled time.
#pragma once

#include <string>
#include <vector>

#include "npu/sim/timing_model.hpp"

namespace npu::sim::detail {

struct TraceEvent {
  Resource resource;
  WorkKind kind;
  Cycles start;
  Cycles duration;
  Cycles active;        // cycles the resource actually worked (< duration when it stalled)
  std::uint64_t id;     // charge sequence number
  std::string label;
};

class TraceRecorder {
 public:
  void add(TraceEvent event) { events_.push_back(std::move(event)); }
  void clear() noexcept { events_.clear(); }
  [[nodiscard]] std::size_t size() const noexcept { return events_.size(); }
  [[nodiscard]] std::string json(const DeviceProfile& profile) const;

 private:
  std::vector<TraceEvent> events_;
};

}  // namespace npu::sim::detail
