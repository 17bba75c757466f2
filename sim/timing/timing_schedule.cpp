#include "npu/sim/timing_schedule.hpp"

#include <algorithm>
#include <queue>
#include <tuple>

#include <fmt/format.h>

namespace npu::sim {

namespace {
struct Ready {
  Cycles time;
  WorkKind kind;
  std::uint32_t id;
  friend bool operator>(const Ready& a, const Ready& b) {
    return std::tie(a.time, a.kind, a.id) > std::tie(b.time, b.kind, b.id);
  }
};
}  // namespace

Expected<ScheduleResult> run_schedule(TimingModel& model, std::span<const Task> tasks,
                                      Cycles ready) {
  const auto n = static_cast<std::uint32_t>(tasks.size());
  std::vector<std::uint32_t> waiting(n, 0);
  std::vector<Cycles> ready_at(n, ready);
  std::vector<std::vector<std::uint32_t>> dependents(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t dep : tasks[i].after) {
      if (dep == Task::kNone) continue;
      if (dep >= i) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("schedule: task {} ({}) waits for task {}, which is not an earlier "
                                "task; list tasks in dependency order",
                                i, tasks[i].item.label, dep));
      }
      ++waiting[i];
      dependents[dep].push_back(i);
    }
  }
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> queue;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) queue.push({ready, tasks[i].item.kind, i});
  }
  ScheduleResult result;
  result.charges.resize(n);
  result.start = n == 0 ? ready : ~Cycles{0};
  result.end = ready;
  while (!queue.empty()) {
    const Ready next = queue.top();
    queue.pop();
    const Charge c = model.charge(tasks[next.id].item, next.time);
    result.charges[next.id] = c;
    result.start = std::min(result.start, c.start);
    result.end = std::max(result.end, c.end);
    for (std::uint32_t d : dependents[next.id]) {
      ready_at[d] = std::max(ready_at[d], c.end);
      if (--waiting[d] == 0) queue.push({ready_at[d], tasks[d].item.kind, d});
    }
  }
  return result;
}

void append_chain(std::vector<Task>& tasks, std::vector<WorkItem> items) {
  for (auto& item : items) {
    Task t;
    t.item = std::move(item);
    if (!tasks.empty()) t.after[0] = static_cast<std::uint32_t>(tasks.size() - 1);
    tasks.push_back(std::move(t));
  }
}

}  // namespace npu::sim
