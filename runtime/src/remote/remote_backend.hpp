// The npud backend: VDevices with multi_process set talk to the npud daemon, which owns the
// devices and shares them among processes; it runs .npk files like the in-process backend.
#pragma once

#include <memory>

#include "backend/backend.hpp"

namespace npu::remote {

[[nodiscard]] std::shared_ptr<backend::Backend> make_backend();

}  // namespace npu::remote
