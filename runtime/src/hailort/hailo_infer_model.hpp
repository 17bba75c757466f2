// A .hef network on a HailoRT VDevice: HailoRT's InferModel (streams, batch size) and, once
// configured, its ConfiguredInferModel (bindings, run, run_async, HailoRT's scheduler knobs).
// Buffers are the caller's memory, handed to HailoRT as views (no copy).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hailo_vdevice.hpp"
#include "npu/bindings.hpp"
#include "npu/common/error.hpp"
#include "npu/run_info.hpp"
#include "npu/stream_info.hpp"

namespace hailort {
class InferModel;
class ConfiguredInferModel;
}

namespace npu {
struct AsyncJobState;
}

namespace npu::hailort_backend {

class HailoConfiguredModel;

class HailoInferModel {
 public:
  // kBadFormat / kVersionMismatch / kUnsupported (as HailoRT says) for a .hef it cannot use.
  [[nodiscard]] static Expected<std::shared_ptr<HailoInferModel>> open(std::shared_ptr<HailoVDevice> vdevice,
                                                                      const std::filesystem::path& hef);
  HailoInferModel(std::shared_ptr<HailoVDevice> vdevice, std::shared_ptr<hailort::InferModel> model, std::string name);
  ~HailoInferModel();

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept { return inputs_; }
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept { return outputs_; }
  [[nodiscard]] std::uint32_t batch_size() const noexcept { return 1; }
  // A small JSON text describing the network (for tools): name, backend, streams.
  [[nodiscard]] const std::string& metadata_json() const noexcept { return metadata_; }

  [[nodiscard]] Expected<std::unique_ptr<HailoConfiguredModel>> configure() const;

 private:
  std::shared_ptr<HailoVDevice> vdevice_;
  std::shared_ptr<hailort::InferModel> model_;
  std::string name_, metadata_;
  std::vector<StreamInfo> inputs_, outputs_;
};

class HailoConfiguredModel {
 public:
  HailoConfiguredModel(std::shared_ptr<HailoVDevice> vdevice, std::unique_ptr<hailort::ConfiguredInferModel> model,
                       std::string name, std::vector<StreamInfo> inputs, std::vector<StreamInfo> outputs);
  ~HailoConfiguredModel();  // shuts HailoRT's model down: queued jobs complete with kAborted

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept { return inputs_; }
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept { return outputs_; }

  [[nodiscard]] Expected<RunInfo> run(const BindingsState& buffers, std::chrono::milliseconds timeout);
  // Completes `job` from HailoRT's callback thread.
  [[nodiscard]] Expected<void> run_async(const std::shared_ptr<AsyncJobState>& job);
  [[nodiscard]] Expected<void> wait_ready(std::chrono::milliseconds timeout, std::uint32_t frames);
  [[nodiscard]] std::uint32_t queue_size() const noexcept;

  [[nodiscard]] Expected<void> set_priority(std::uint8_t priority);
  [[nodiscard]] Expected<void> set_threshold(std::uint32_t threshold);
  [[nodiscard]] Expected<void> set_timeout(std::chrono::milliseconds timeout);

 private:
  [[nodiscard]] Expected<void> check_scheduler(const char* knob) const;

  std::shared_ptr<HailoVDevice> vdevice_;
  std::unique_ptr<hailort::ConfiguredInferModel> model_;
  std::string name_;
  std::vector<StreamInfo> inputs_, outputs_;
};

}  // namespace npu::hailort_backend
