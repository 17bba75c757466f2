// What npu::InferModel reads: a model file opened for a VDeviceBackend, before any device
// resources are used; configure() loads it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/stream_info.hpp"

namespace npu::backend {

class ConfiguredModelBackend;

class InferModelBackend {
 public:
  virtual ~InferModelBackend() = default;

  [[nodiscard]] virtual const std::string& name() const noexcept = 0;
  [[nodiscard]] virtual const std::vector<StreamInfo>& inputs() const noexcept = 0;
  [[nodiscard]] virtual const std::vector<StreamInfo>& outputs() const noexcept = 0;
  [[nodiscard]] virtual std::uint32_t batch_size() const noexcept = 0;
  [[nodiscard]] virtual std::string_view metadata_json() const noexcept = 0;

  [[nodiscard]] virtual Expected<std::unique_ptr<ConfiguredModelBackend>> configure() const = 0;
};

}  // namespace npu::backend
