// A TimingModel that charges nothing (see null_timing_model.cpp). Internal to npu_sim.
#pragma once

#include <memory>

#include "npu/sim/timing_model.hpp"

namespace npu::sim::detail {

[[nodiscard]] std::unique_ptr<TimingModel> make_null_timing_model(const DeviceProfile& profile);

}  // namespace npu::sim::detail
