// One generation, run on its own thread: prefill of the prompt, then TBT steps, each token turned
// into typed outputs by genai::OutputParser (content, reasoning inside <think>, the "Analyzing..."
// status, tool calls; the session's think hooks fire from it, on this thread) and queued for the
// reader with the token and its index. Stops on an end-of-turn or stop token, a stop string, the
// token limit, a full context, abort(), or an error.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "local/llm/event_queue.hpp"
#include "backend/generation_stream.hpp"
#include "local/llm/local_session.hpp"
#include "npu/genai/output_parser.hpp"
#include "npu/genai/stream_detokenizer.hpp"
#include "local/llm/token_chooser.hpp"

namespace npu::genai::detail {

class GenerationJob final : public backend::GenerationStream {
 public:
  // `cached_tokens`: leading tokens of the caller's prompt the context already held (not in `prompt`).
  GenerationJob(std::shared_ptr<LocalSession> session, std::vector<TokenId> prompt, GeneratorParams params,
                TokenChooser chooser, const LLMHooks& hooks, std::uint32_t cached_tokens = 0);
  ~GenerationJob() override;
  GenerationJob(const GenerationJob&) = delete;
  GenerationJob& operator=(const GenerationJob&) = delete;

  void start();
  void join() override;
  void abort() noexcept override { abort_ = true; }

  [[nodiscard]] Expected<GenerationOutput> read(std::chrono::milliseconds timeout) override;
  [[nodiscard]] GenerationStatus status() const noexcept override { return status_.load(); }
  [[nodiscard]] GenerationStats stats() const override;

 private:
  void run();
  [[nodiscard]] Expected<GenerationStatus> generate();
  // Queues the outputs of one generated token; the status when it ends the generation (an
  // end-of-turn or stop token, or a stop string in the content).
  [[nodiscard]] std::optional<GenerationStatus> emit_token(TokenId token, std::uint32_t index);
  // Queues the parser's events (all but its kEnd); true when the content now holds a stop string.
  bool emit_events(std::vector<OutputEvent> events, TokenId token, std::uint32_t index);
  void emit(OutputKind kind, TokenId token, std::uint32_t index, std::string text, std::string warning = {});
  // Queues a kRecovery event for each recovery of the session since the last call.
  void report_recoveries(std::uint32_t index);
  // Whether the context (history, then the prompt) leaves the model inside an unclosed <think>
  // of the current turn.
  [[nodiscard]] bool prompt_opens_think() const;

  std::shared_ptr<LocalSession> session_;
  std::vector<TokenId> prompt_;
  std::uint32_t cached_tokens_ = 0;
  GeneratorParams params_;
  TokenChooser chooser_;
  OutputParserOptions parser_options_;  // with the session's hooks
  std::optional<OutputParser> parser_;  // built on the generation thread (hooks fire there)
  std::optional<StreamDetokenizer> detok_;
  std::string tail_;  // recent visible text, for stop strings
  std::size_t longest_stop_ = 0;

  EventQueue queue_;
  std::atomic<bool> abort_{false};
  std::atomic<GenerationStatus> status_{GenerationStatus::kGenerating};
  std::optional<Error> error_;  // set before the final kEnd is queued
  bool error_reported_ = false, ended_ = false;
  GenerationOutput end_;
  mutable std::mutex stats_mutex_;
  GenerationStats stats_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::thread thread_;
};

}  // namespace npu::genai::detail
