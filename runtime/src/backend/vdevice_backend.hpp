// What npu::VDevice runs on: the opened devices of one backend and their scheduler. It creates
// the backend's models and LLM sessions, which keep it alive (shared ownership), so the
// destruction order of the public objects does not matter.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "npu/common/error.hpp"
#include "npu/vdevice.hpp"

namespace npu::genai {
struct LLMParams;
}

namespace npu::backend {

class InferModelBackend;
class LlmBackend;

class VDeviceBackend : public std::enable_shared_from_this<VDeviceBackend> {
 public:
  virtual ~VDeviceBackend() = default;

  [[nodiscard]] virtual const VDeviceParams& params() const noexcept = 0;
  [[nodiscard]] virtual std::size_t device_count() const noexcept = 0;
  // `device` < device_count() (the front checks).
  [[nodiscard]] virtual const DeviceIdentity& identity(std::size_t device) const = 0;
  [[nodiscard]] virtual Expected<DeviceStats> stats(std::size_t device) = 0;
  [[nodiscard]] virtual SchedulerStats scheduler_stats() const = 0;

  // A model file of a kind the backend runs (the front checked the kind).
  [[nodiscard]] virtual Expected<std::shared_ptr<const InferModelBackend>> create_infer_model(
      const std::filesystem::path& path) = 0;
  // A new LLM session on these devices (the front checked the model file's kind).
  [[nodiscard]] virtual Expected<std::unique_ptr<LlmBackend>> create_llm(const genai::LLMParams& params) = 0;
};

}  // namespace npu::backend
