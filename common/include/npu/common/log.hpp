// Logging through spdlog; the level comes from NPU_LOG_LEVEL (trace, debug, info, warn, error, off;
// default warn). Call npu::log() to get the project's logger; it is set up once, thread-safely.
#pragma once

#include <spdlog/spdlog.h>

namespace npu {

[[nodiscard]] spdlog::logger& log();

}  // namespace npu
