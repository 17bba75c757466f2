// npu::InferModel: the front over an InferModelBackend.
#include "npu/infer_model.hpp"

#include <fmt/format.h>

#include "backend/configured_model_backend.hpp"
#include "backend/infer_model_backend.hpp"

namespace npu {

InferModel::InferModel(std::shared_ptr<const backend::InferModelBackend> backend) : backend_(std::move(backend)) {}

const std::string& InferModel::name() const noexcept { return backend_->name(); }
const std::vector<StreamInfo>& InferModel::inputs() const noexcept { return backend_->inputs(); }
const std::vector<StreamInfo>& InferModel::outputs() const noexcept { return backend_->outputs(); }
std::uint32_t InferModel::batch_size() const noexcept { return backend_->batch_size(); }
std::string_view InferModel::metadata_json() const noexcept { return backend_->metadata_json(); }

namespace {
Expected<StreamInfo> find(const std::vector<StreamInfo>& streams, std::string_view name,
                          std::string_view kind) {
  if (name.empty() && streams.size() == 1) return streams[0];
  for (const auto& s : streams) {
    if (s.name == name) return s;
  }
  return fail(ErrorCode::kNotFound, fmt::format("model has no {} stream named '{}'", kind, name));
}
}  // namespace

Expected<StreamInfo> InferModel::input(std::string_view name) const { return find(inputs(), name, "input"); }
Expected<StreamInfo> InferModel::output(std::string_view name) const { return find(outputs(), name, "output"); }

Expected<ConfiguredInferModel> InferModel::configure() const {
  NPU_TRY_ASSIGN(auto configured, backend_->configure());
  return ConfiguredInferModel(std::move(configured));
}

}  // namespace npu
