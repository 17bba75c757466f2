// One LLM session's resources on one device: its io, scratch and state segments and its two
// contexts (prefill, tbt) loaded with those bases and the shared weights. Made on the device the
// session lives on (again on another one when that device is removed); re-created after a device
// reset (the state segment is then lost, which valid() reports).
#pragma once

#include <array>
#include <memory>

#include "local/llm/llm_model_core.hpp"

namespace npu::genai::detail {

enum class Subnet { kPrefill, kTbt };

class LlmDeviceSession {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<LlmDeviceSession>> create(LlmModelCore& model,
                                                                          std::size_t device);
  ~LlmDeviceSession();
  LlmDeviceSession(const LlmDeviceSession&) = delete;
  LlmDeviceSession& operator=(const LlmDeviceSession&) = delete;

  // False once the device was reset after these resources were made: call create() again.
  [[nodiscard]] bool valid() const noexcept;
  [[nodiscard]] const driver::ContextHandle& context(Subnet s) const noexcept {
    return s == Subnet::kPrefill ? prefill_ : tbt_;
  }
  [[nodiscard]] std::uint64_t base(abi::Segment s) const noexcept {
    return segments_[static_cast<std::size_t>(s)].address;
  }
  [[nodiscard]] std::uint64_t load_cycles() const noexcept { return prefill_.load_cycles + tbt_.load_cycles; }

 private:
  LlmDeviceSession(LlmModelCore& model, std::size_t device) : model_(model), device_(device) {}
  [[nodiscard]] Expected<void> load();
  void release() noexcept;

  LlmModelCore& model_;
  std::size_t device_;
  std::array<driver::DeviceAllocation, abi::kMaxSegments> segments_{};
  driver::ContextHandle prefill_{}, tbt_{};
  bool prefill_loaded_ = false, tbt_loaded_ = false;
};

}  // namespace npu::genai::detail
