// Runs a small dependency graph of WorkItems through a TimingModel, event-driven: a task becomes
// ready when the tasks it waits for have ended; ready tasks are charged in (ready time, kind, id)
// order, so the result does not depend on anything but the inputs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/sim/timing_model.hpp"

namespace npu::sim {

struct Task {
  static constexpr std::uint32_t kNone = 0xffffffffu;
  WorkItem item;
  // Indices of earlier tasks this one waits for (kNone = unused slot).
  std::uint32_t after[2] = {kNone, kNone};
};

struct ScheduleResult {
  std::vector<Charge> charges;  // by task index
  Cycles start = 0;             // earliest start
  Cycles end = 0;               // latest end
};

// Fails (kInvalidArgument) if a task waits for itself or a later task.
[[nodiscard]] Expected<ScheduleResult> run_schedule(TimingModel& model, std::span<const Task> tasks,
                                                    Cycles ready = 0);

// Tasks that run one after the other (each waits for the previous): the common case of a
// context program, whose ops depend on their predecessor's output.
void append_chain(std::vector<Task>& tasks, std::vector<WorkItem> items);

}  // namespace npu::sim
