// An InferModelBackend over an opened .npk: its name, streams, batch and metadata. The in-process
// and npud backends derive from it and add configure().
#pragma once

#include <memory>

#include "backend/infer_model_backend.hpp"
#include "npk/model_package.hpp"

namespace npu::npk {

class NpkInferModel : public backend::InferModelBackend {
 public:
  explicit NpkInferModel(std::shared_ptr<const detail::ModelPackage> package) : package_(std::move(package)) {}

  [[nodiscard]] const std::string& name() const noexcept override { return package_->name; }
  [[nodiscard]] const std::vector<StreamInfo>& inputs() const noexcept override { return package_->inputs; }
  [[nodiscard]] const std::vector<StreamInfo>& outputs() const noexcept override { return package_->outputs; }
  [[nodiscard]] std::uint32_t batch_size() const noexcept override { return package_->batch_size; }
  [[nodiscard]] std::string_view metadata_json() const noexcept override { return package_->metadata; }

 protected:
  [[nodiscard]] const std::shared_ptr<const detail::ModelPackage>& package_ptr() const noexcept { return package_; }

 private:
  std::shared_ptr<const detail::ModelPackage> package_;
};

}  // namespace npu::npk
