// A compiled model opened on a VDevice (.npk, or .hef through HailoRT): its streams, batch size
// and metadata, before any device resources are used. configure() loads it onto the device(s).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/configured_infer_model.hpp"
#include "npu/stream_info.hpp"

namespace npu {

namespace backend {
class InferModelBackend;
}

class InferModel {
 public:
  explicit InferModel(std::shared_ptr<const backend::InferModelBackend> backend);

  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept;
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept;
  [[nodiscard]] Expected<StreamInfo> input(std::string_view name = {}) const;
  [[nodiscard]] Expected<StreamInfo> output(std::string_view name = {}) const;
  // Frames per run, as compiled (the leading dimension of every stream).
  [[nodiscard]] std::uint32_t batch_size() const noexcept;
  // The model file's metadata as JSON, for tools.
  [[nodiscard]] std::string_view metadata_json() const noexcept;

  [[nodiscard]] Expected<ConfiguredInferModel> configure() const;

 private:
  std::shared_ptr<const backend::InferModelBackend> backend_;
};

}  // namespace npu
