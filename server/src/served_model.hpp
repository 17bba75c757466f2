// ServedModel: one compiled LLM the server answers for, under its served name. Every request runs
// on a session of its own (LLM::create_session: same weights, own context on the device), taken
// from a pool of idle sessions and cleared before use, so requests never see each other's context
// and several generate at once through the VDevice scheduler. The device holds a bounded number
// of session contexts, shared by every model served: idle sessions keep theirs. When a session
// cannot get its contexts (note_device_full), the idle sessions of the other models are dropped
// first (the room maker); failing that, if others of this model hold theirs, requests beyond
// that many wait for a session to come back. That learned limit expires after a while (other
// models or processes may have freed room), so it grows back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
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
    // The prompt the session's context now starts with (what the next acquire compares).
    void set_prompt(std::vector<genai::TokenId> prompt) { prompt_ = std::move(prompt); }

   private:
    ServedModel* owner_;
    std::unique_ptr<genai::LLM> llm_;
    std::vector<genai::TokenId> prompt_;
  };

  // How long a learned limit on sessions holds before more are tried again.
  static constexpr std::chrono::milliseconds kRoomRelearnAfter{10000};

  ServedModel(std::string name, std::string path, std::unique_ptr<genai::LLM> base,
              std::chrono::milliseconds relearn_after = kRoomRelearnAfter);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const genai::LLMInfo& info() const noexcept { return base_->info(); }
  [[nodiscard]] std::time_t created() const noexcept { return created_; }
  // The model's own session (for tokenize/detokenize and its presets; never generates).
  [[nodiscard]] const genai::LLM& base() const noexcept { return *base_; }

  // An idle session (a new one when none is idle). Waits while the sessions the device can hold
  // are all on loan; kAborted once `gone()` says the client left.
  // Without `prompt` its context is empty. With the whole prompt the caller runs through
  // LLM::generate_cached, it is the idle session whose context shares the longest prefix with
  // it (the prompt cache: that session runs only the rest), its context kept.
  [[nodiscard]] Expected<Lease> acquire(const std::function<bool()>& gone = {},
                                        std::span<const genai::TokenId> prompt = {});
  // A session on loan could not get device contexts (kBusy). true when trying again can help:
  // the room maker freed contexts of other models, or other sessions of this model hold theirs,
  // on loan or idle (then at most that many are lent at once, until the limit expires). false
  // when neither.
  [[nodiscard]] bool note_device_full();
  // What frees device room held elsewhere (the server: the other models' idle sessions); true
  // when it freed some. Set before serving.
  void set_room_maker(std::function<bool()> make_room) { make_room_ = std::move(make_room); }
  // Drops the idle sessions (their device contexts are freed); how many there were.
  std::size_t release_idle();

 private:
  struct Idle {
    std::unique_ptr<genai::LLM> llm;
    std::vector<genai::TokenId> prompt;  // what its context starts with
  };
  void give_back(std::unique_ptr<genai::LLM> llm, std::vector<genai::TokenId> prompt);

  std::string name_, path_;
  std::unique_ptr<genai::LLM> base_;
  std::time_t created_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<Idle> idle_;  // most recently returned last
  std::size_t on_loan_ = 0;
  std::size_t device_room_ = SIZE_MAX;  // sessions the device holds at once (learned)
  std::chrono::milliseconds relearn_after_;
  std::chrono::steady_clock::time_point room_learned_at_;
  std::function<bool()> make_room_;
};

}  // namespace npu::server
