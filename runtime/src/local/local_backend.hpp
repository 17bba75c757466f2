// The in-process backend: devices on npustack's own driver over hal (the simulator "sim:N", and
// ABI-native PCIe / USB devices), running .npk files.
#pragma once

#include <memory>

#include "backend/backend.hpp"

namespace npu::local {

[[nodiscard]] std::shared_ptr<backend::Backend> make_backend();

}  // namespace npu::local
