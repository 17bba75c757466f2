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

#include "backend/configured_model_backend.hpp"
#include "backend/infer_model_backend.hpp"
#include "npu/bindings.hpp"
#include "npu/common/error.hpp"
#include "npu/run_info.hpp"
#include "npu/stream_info.hpp"

namespace hailort {
class InferModel;
class ConfiguredInferModel;
}

namespace npu::hailort_backend {

class HailoVDevice;

class HailoInferModel final : public backend::InferModelBackend {
 public:
  // kBadFormat / kVersionMismatch / kUnsupported (as HailoRT says) for a .hef it cannot use.
  [[nodiscard]] static Expected<std::shared_ptr<HailoInferModel>> open(std::shared_ptr<HailoVDevice> vdevice,
                                                                      const std::filesystem::path& hef);
  HailoInferModel(std::shared_ptr<HailoVDevice> vdevice, std::shared_ptr<hailort::InferModel> model, std::string name);
  ~HailoInferModel() override;

  [[nodiscard]] const std::string& name() const noexcept override { return name_; }
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept override { return inputs_; }
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept override { return outputs_; }
  // One frame per run: HailoRT batches frames on the device by itself.
  [[nodiscard]] std::uint32_t batch_size() const noexcept override { return 1; }
  // A small JSON text describing the network (for tools): name, backend, streams.
  [[nodiscard]] std::string_view metadata_json() const noexcept override { return metadata_; }

  [[nodiscard]] Expected<std::unique_ptr<backend::ConfiguredModelBackend>> configure() const override;

 private:
  std::shared_ptr<HailoVDevice> vdevice_;
  std::shared_ptr<hailort::InferModel> model_;
  std::string name_, metadata_;
  std::vector<StreamInfo> inputs_, outputs_;
};

class HailoConfiguredModel final : public backend::ConfiguredModelBackend {
 public:
  HailoConfiguredModel(std::shared_ptr<HailoVDevice> vdevice, std::unique_ptr<hailort::ConfiguredInferModel> model,
                       std::string name, std::vector<StreamInfo> inputs, std::vector<StreamInfo> outputs);
  ~HailoConfiguredModel() override;  // shuts HailoRT's model down: queued jobs complete with kAborted

  [[nodiscard]] const std::string& name() const noexcept override { return name_; }
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept override { return inputs_; }
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept override { return outputs_; }

  [[nodiscard]] Expected<RunInfo> run(const BindingsState& buffers, std::chrono::milliseconds timeout) override;
  // Completes `job` from HailoRT's callback thread.
  [[nodiscard]] Expected<void> run_async(std::shared_ptr<AsyncJobState> job) override;
  [[nodiscard]] Expected<void> wait_for_async_ready(std::chrono::milliseconds timeout, std::uint32_t frames) override;
  [[nodiscard]] std::uint32_t async_queue_size() const noexcept override;

  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority) override;
  [[nodiscard]] Expected<void> set_scheduler_threshold(std::uint32_t threshold) override;
  [[nodiscard]] Expected<void> set_scheduler_timeout(std::chrono::milliseconds timeout) override;

 private:
  [[nodiscard]] Expected<void> check_scheduler(const char* knob) const;

  std::shared_ptr<HailoVDevice> vdevice_;
  std::unique_ptr<hailort::ConfiguredInferModel> model_;
  std::string name_;
  std::vector<StreamInfo> inputs_, outputs_;
};

}  // namespace npu::hailort_backend
