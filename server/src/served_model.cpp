#include "served_model.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace npu::server {

ServedModel::Lease::~Lease() {
  if (owner_ != nullptr && llm_) owner_->give_back(std::move(llm_), std::move(prompt_));
}

namespace {

std::size_t common_prefix(std::span<const genai::TokenId> a, std::span<const genai::TokenId> b) {
  const auto n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

ServedModel::ServedModel(std::string name, std::string path, std::unique_ptr<genai::LLM> base,
                         std::chrono::milliseconds relearn_after)
    : name_(std::move(name)),
      path_(std::move(path)),
      base_(std::move(base)),
      created_(std::time(nullptr)),
      relearn_after_(relearn_after) {}

Expected<ServedModel::Lease> ServedModel::acquire(const std::function<bool()>& gone,
                                                  std::span<const genai::TokenId> prompt) {
  while (true) {
    std::unique_ptr<genai::LLM> llm;
    {
      std::unique_lock lock(mutex_);
      while (on_loan_ >= device_room_) {
        if (std::chrono::steady_clock::now() - room_learned_at_ >= relearn_after_) {
          device_room_ = SIZE_MAX;  // try for more again; a kBusy relearns it
          break;
        }
        if (gone && gone()) return fail(ErrorCode::kAborted, "the client left while waiting for a session");
        returned_.wait_for(lock, std::chrono::milliseconds(50));
      }
      ++on_loan_;
      if (!idle_.empty()) {
        // The most recent session, or the one whose context shares the most with the prompt.
        auto best = idle_.end() - 1;
        if (!prompt.empty()) {
          std::size_t longest = 0;
          for (auto it = idle_.begin(); it != idle_.end(); ++it) {
            const auto shared = common_prefix(it->prompt, prompt);
            if (shared > longest) {
              longest = shared;
              best = it;
            }
          }
        }
        llm = std::move(best->llm);
        idle_.erase(best);
      }
    }
    auto ready = [&]() -> Expected<void> {
      if (!llm) {
        NPU_TRY_ASSIGN(llm, base_->create_session());
      }
      if (prompt.empty() && (llm->context_usage() > 0 || llm->pending_token())) {
        // A failed clear leaves a session we cannot trust: drop it, the next request makes a new one.
        NPU_TRY(llm->clear_context());
      }
      return {};
    }();
    if (ready) return Lease(this, std::move(llm));
    const bool full = ready.error().code() == ErrorCode::kBusy && note_device_full();
    {
      std::lock_guard lock(mutex_);
      --on_loan_;
      returned_.notify_one();
    }
    if (!full) return fail(ready.error());
    // The device holds no more sessions: wait for one of the others.
  }
}

bool ServedModel::note_device_full() {
  // First the room other models' idle sessions hold (called without this model's lock: the room
  // maker takes the other models' locks, and they may be calling ours).
  if (make_room_ && make_room_()) return true;
  std::lock_guard lock(mutex_);
  // What holds this model's contexts: the other sessions on loan, and the idle ones, which keep
  // theirs (a session that went back idle while this one was starting still fills the device).
  const std::size_t holding = on_loan_ - 1 + idle_.size();
  if (holding == 0) return false;
  if (holding < device_room_) {
    spdlog::info("npu serve: the device holds {} sessions of '{}' beside the others; more requests wait for one",
                 holding, name_);
  }
  device_room_ = std::min(device_room_, holding);
  room_learned_at_ = std::chrono::steady_clock::now();
  return true;
}

std::size_t ServedModel::release_idle() {
  std::vector<Idle> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(idle_);
  }
  return dropped.size();  // (their contexts go as they are destroyed, outside the lock)
}

void ServedModel::give_back(std::unique_ptr<genai::LLM> llm, std::vector<genai::TokenId> prompt) {
  std::lock_guard lock(mutex_);
  --on_loan_;
  // Sessions beyond what the device holds are dropped (they hold no contexts, or release them).
  if (idle_.size() < device_room_) idle_.push_back(Idle{std::move(llm), std::move(prompt)});
  returned_.notify_one();
}

}  // namespace npu::server
