// The firmware's loaded contexts: LOAD_CONTEXT validates and keeps a context's program and
// segments, RUN executes a range of its ops through the platform's compute clusters. Internal to
// the firmware.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "npu/firmware/firmware.hpp"
#include "npu/firmware/fw_manifest.hpp"
#include "npu/firmware/program.hpp"
#include "profile_buffer.hpp"
#include "npu_abi/regs.hpp"

namespace npu::fw {

struct LoadedContext {
  SegmentTable segments;
  ValidatedProgram program;
  std::uint64_t program_id = 0;  // OpRequest::program_id
  std::uint64_t program_bytes = 0;
  std::uint64_t sram_bytes = 0;
  bool weights_in_sram = false;
};

// A RUN's result; `fault` is set when the device must stop (memory error, core stopped).
struct RunOutcome {
  abi::MboxStatus status = abi::MboxStatus::kOk;
  abi::FaultCode fault = abi::FaultCode::kNone;
  bool aborted = false;  // the control core stopped mid-run (crash, hang, removal): no answer
};

class ContextTable {
 public:
  ContextTable(Platform& platform, FirmwareStats& stats, ProfileBuffer& profile)
      : platform_(platform), stats_(stats), profile_(profile) {}

  void configure(std::uint32_t max_contexts);
  void clear();
  [[nodiscard]] std::uint32_t max_contexts() const noexcept { return static_cast<std::uint32_t>(slots_.size()); }
  [[nodiscard]] std::uint32_t loaded() const noexcept;

  // Refuses a program that uses an optional feature (npu_abi/op_features.hpp) `manifest` lacks.
  [[nodiscard]] abi::MboxStatus load(const abi::LoadContextRequest& request, abi::LoadContextResponse& response,
                                     const FirmwareManifest& manifest);
  [[nodiscard]] abi::MboxStatus unload(std::uint32_t context_id);
  [[nodiscard]] RunOutcome run(const abi::RunRequest& request, abi::RunResponse& response);

 private:
  void switch_to(std::uint32_t context_id);

  Platform& platform_;
  FirmwareStats& stats_;
  ProfileBuffer& profile_;
  std::vector<std::optional<LoadedContext>> slots_;
  std::optional<std::uint32_t> active_;  // context whose configuration is loaded in the clusters
  std::uint64_t next_program_id_ = 1;    // never reused, not even across a reset
  std::vector<Cost> op_costs_;           // a profiled timing-only run's per-op costs (scratch)
};

}  // namespace npu::fw
