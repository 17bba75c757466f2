// A compiled model (.npk) opened on a VDevice: its streams, batch size and metadata, before any
// device resources are used. configure() loads it onto the device(s).
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

namespace detail {
class VDeviceCore;
class ModelPackage;
}
namespace remote {
struct RemoteModelSource;
}

class InferModel {
 public:
  InferModel(std::shared_ptr<detail::VDeviceCore> vdevice,
             std::shared_ptr<const detail::ModelPackage> package);
  // A model of a multi-process VDevice: configure() loads it in npud.
  InferModel(std::shared_ptr<const remote::RemoteModelSource> remote,
             std::shared_ptr<const detail::ModelPackage> package);

  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept;
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept;
  [[nodiscard]] Expected<StreamInfo> input(std::string_view name = {}) const;
  [[nodiscard]] Expected<StreamInfo> output(std::string_view name = {}) const;
  // Frames per run, as compiled (the leading dimension of every stream).
  [[nodiscard]] std::uint32_t batch_size() const noexcept;
  // The .npk metadata JSON, for tools.
  [[nodiscard]] std::string_view metadata_json() const noexcept;

  [[nodiscard]] Expected<ConfiguredInferModel> configure() const;

 private:
  std::shared_ptr<detail::VDeviceCore> vdevice_;
  std::shared_ptr<const detail::ModelPackage> package_;
  std::shared_ptr<const remote::RemoteModelSource> remote_;
};

}  // namespace npu
