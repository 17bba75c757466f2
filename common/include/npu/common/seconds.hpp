// A duration as seconds in a double, the unit every figure npustack reports is in.
#pragma once

#include <chrono>

namespace npu {

[[nodiscard]] inline double seconds(std::chrono::nanoseconds t) noexcept {
  return static_cast<double>(t.count()) * 1e-9;
}

}  // namespace npu
