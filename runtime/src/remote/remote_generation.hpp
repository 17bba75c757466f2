// A generation running in npud, read through its event stream. Events arrive on the connection's
// reader thread and wait in a queue for read(). The think hooks fire when read() hands out the
// events that mark entering and leaving <think> (fire_hooks: the same count and order as
// in-process). If npud goes away the stream ends with its error.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "backend/generation_stream.hpp"
#include "npu/genai/llm.hpp"
#include "remote/connection.hpp"

namespace npu::remote {

class RemoteLlmSession;

class RemoteGeneration final : public backend::GenerationStream {
 public:
  RemoteGeneration(std::shared_ptr<Connection> connection, std::uint64_t stream, genai::LLMHooks hooks,
                   std::weak_ptr<RemoteLlmSession> session)
      : connection_(std::move(connection)), stream_(stream), hooks_(std::move(hooks)), session_(std::move(session)) {}
  ~RemoteGeneration() override;

  // Subscribes to the stream (before the generate request goes out).
  void subscribe(std::shared_ptr<RemoteGeneration> self);
  [[nodiscard]] std::uint64_t stream() const noexcept { return stream_; }

  [[nodiscard]] Expected<genai::GenerationOutput> read(std::chrono::milliseconds timeout) override;
  [[nodiscard]] genai::GenerationStatus status() const noexcept override;
  void abort() noexcept override;
  void join() override;
  [[nodiscard]] genai::GenerationStats stats() const override;

 private:
  void on_event(Expected<Reply> event);
  void fire_hooks(const genai::GenerationOutput& out);

  std::shared_ptr<Connection> connection_;
  const std::uint64_t stream_;
  genai::LLMHooks hooks_;
  std::weak_ptr<RemoteLlmSession> session_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<genai::GenerationOutput> queue_;
  std::optional<Error> error_;  // the stream broke; read() returns it once
  bool error_reported_ = false, ended_ = false, abort_sent_ = false;
  bool in_think_ = false;  // read() handed out a kStatus and not yet the end-of-thinking marker
  genai::GenerationOutput end_;
  genai::GenerationStatus status_ = genai::GenerationStatus::kGenerating;
  genai::GenerationStats stats_;
};

}  // namespace npu::remote
