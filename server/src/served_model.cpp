#include "served_model.hpp"

namespace npu::server {

ServedModel::Lease::~Lease() {
  if (owner_ != nullptr && llm_) owner_->give_back(std::move(llm_));
}

ServedModel::ServedModel(std::string name, std::string path, std::unique_ptr<genai::LLM> base)
    : name_(std::move(name)), path_(std::move(path)), base_(std::move(base)), created_(std::time(nullptr)) {}

Expected<ServedModel::Lease> ServedModel::acquire() {
  std::unique_ptr<genai::LLM> llm;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      llm = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!llm) {
    NPU_TRY_ASSIGN(llm, base_->create_session());
  }
  if (llm->context_usage() > 0 || llm->pending_token()) {
    // A failed clear leaves a session we cannot trust: drop it, the next request makes a new one.
    NPU_TRY(llm->clear_context());
  }
  return Lease(this, std::move(llm));
}

void ServedModel::give_back(std::unique_ptr<genai::LLM> llm) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(llm));
}

}  // namespace npu::server
