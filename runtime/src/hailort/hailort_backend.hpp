// The HailoRT backend: Hailo accelerators (device ids "hailo:<HailoRT device id>") through Hailo's
// runtime library, running Hailo's compiled .hef files: networks (InferModel) and LLMs
// (genai::LLM). Built when HailoRT is found (runtime/src/hailort/CMakeLists.txt); the
// composition root (src/backends.cpp) lists it.
#pragma once

#include <memory>

#include "backend/backend.hpp"

namespace npu::hailort_backend {

[[nodiscard]] std::shared_ptr<backend::Backend> make_backend();

}  // namespace npu::hailort_backend
