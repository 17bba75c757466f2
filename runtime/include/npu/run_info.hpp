// What one inference run reports: the device's modeled (or measured) time and the host's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace npu {

struct RunInfo {
  std::uint64_t device_cycles = 0;           // device cycles from RUN start to end
  std::chrono::nanoseconds device_time{0};   // device_cycles at the device's clock
  std::chrono::nanoseconds host_time{0};     // wall time of DMA in + RUN + DMA out on the host
  std::chrono::nanoseconds queue_time{0};    // wall time spent waiting for the scheduler
  std::size_t device_index = 0;              // which device of the VDevice ran it
  bool reloaded = false;                     // the model was re-loaded first (device recovered)
};

}  // namespace npu
