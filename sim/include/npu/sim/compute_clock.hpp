// Host wall time the simulator has spent computing op values (the functional kernels), summed
// over every simulated device of this process. Benchmarks subtract it from a token's wall time
// to get the host stack's own overhead (runtime + driver + hal, plus the simulated firmware and
// timing model). Monotonic; read it before and after the work of interest.
#pragma once

#include <cstdint>

namespace npu::sim {

[[nodiscard]] std::uint64_t compute_host_ns() noexcept;

}  // namespace npu::sim
