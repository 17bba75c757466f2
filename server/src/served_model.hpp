// ServedModel: one compiled LLM the server answers for, under its served name. Every request runs
// on a session of its own (LLM::create_session: same weights, own context on the device), taken
// from a pool of idle sessions and cleared before use, so requests never see each other's context
// and several generate at once through the VDevice scheduler. The device holds a bounded number
// of session contexts: once a session cannot get its contexts while others of this model hold
// theirs (note_device_full), requests beyond that many wait for a session to come back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
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

  // An idle session with an empty context (a new one when none is idle). Waits while the
  // sessions the device can hold are all on loan; kAborted once `gone()` says the client left.
  [[nodiscard]] Expected<Lease> acquire(const std::function<bool()>& gone = {});
  // A session on loan could not get device contexts (kBusy) while others hold theirs: from now
  // on at most that many are lent at once. false when no other session is on loan (waiting
  // would not help: the device is full with other models' sessions).
  [[nodiscard]] bool note_device_full();

 private:
  void give_back(std::unique_ptr<genai::LLM> llm);

  std::string name_, path_;
  std::unique_ptr<genai::LLM> base_;
  std::time_t created_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<genai::LLM>> idle_;
  std::size_t on_loan_ = 0;
  std::size_t device_room_ = SIZE_MAX;  // sessions the device holds at once (learned)
};

}  // namespace npu::server
