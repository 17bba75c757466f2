// ServedModel: one compiled LLM the server answers for, under its served name. Every request runs
// on a session of its own (LLM::create_session: same weights, own context on the device), taken
// from a pool of idle sessions and cleared before use, so requests never see each other's context
// and several generate at once through the VDevice scheduler.
#pragma once

#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/genai/llm.hpp"

namespace npu::server {

class ServedModel {
 public:
  // A session on loan; it goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease(ServedModel* owner, std::unique_ptr<genai::LLM> llm) : owner_(owner), llm_(std::move(llm)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = delete;
    ~Lease();
    [[nodiscard]] genai::LLM& llm() const noexcept { return *llm_; }

   private:
    ServedModel* owner_;
    std::unique_ptr<genai::LLM> llm_;
  };

  ServedModel(std::string name, std::string path, std::unique_ptr<genai::LLM> base);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const genai::LLMInfo& info() const noexcept { return base_->info(); }
  [[nodiscard]] std::time_t created() const noexcept { return created_; }
  // The model's own session (for tokenize/detokenize and its presets; never generates).
  [[nodiscard]] const genai::LLM& base() const noexcept { return *base_; }

  // An idle session with an empty context (a new one when none is idle).
  [[nodiscard]] Expected<Lease> acquire();

 private:
  void give_back(std::unique_ptr<genai::LLM> llm);

  std::string name_, path_;
  std::unique_ptr<genai::LLM> base_;
  std::time_t created_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<genai::LLM>> idle_;
};

}  // namespace npu::server
