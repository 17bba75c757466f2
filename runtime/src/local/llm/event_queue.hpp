// The hand-over between a generation thread and its reader: a FIFO of outputs with a timed pop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "npu/genai/llm_generator.hpp"

namespace npu::genai::detail {

class EventQueue {
 public:
  void push(GenerationOutput output) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(output));
    }
    cv_.notify_all();
  }
  // The oldest output, or nothing after `timeout`.
  [[nodiscard]] std::optional<GenerationOutput> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
    GenerationOutput out = std::move(items_.front());
    items_.pop_front();
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<GenerationOutput> items_;
};

}  // namespace npu::genai::detail
