// genai::Generator (the front over a backend's GenerationStream) and the small value helpers of
// llm_generator.hpp.
#include <string>

#include "backend/generation_stream.hpp"
#include "npu/common/seconds.hpp"
#include "npu/genai/llm_generator.hpp"

namespace npu::genai {

const char* to_string(GenerationStatus status) noexcept {
  switch (status) {
    case GenerationStatus::kGenerating: return "generating";
    case GenerationStatus::kMaxTokensReached: return "max_tokens_reached";
    case GenerationStatus::kLogicalEnd: return "logical_end";
    case GenerationStatus::kAborted: return "aborted";
    case GenerationStatus::kFailed: return "failed";
  }
  return "unknown";
}

const char* to_string(OutputKind kind) noexcept {
  switch (kind) {
    case OutputKind::kContent: return "content";
    case OutputKind::kReasoning: return "reasoning";
    case OutputKind::kStatus: return "status";
    case OutputKind::kToolCall: return "tool_call";
    case OutputKind::kEnd: return "end";
    case OutputKind::kRecovery: return "recovery";
  }
  return "unknown";
}

double GenerationStats::device_decode_tokens_per_s() const noexcept {
  return tbt_runs == 0 || device_decode.count() == 0 ? 0.0 : tbt_runs / seconds(device_decode);
}

double GenerationStats::host_decode_tokens_per_s() const noexcept {
  return tbt_runs == 0 || host_decode.count() == 0 ? 0.0 : tbt_runs / seconds(host_decode);
}

Generator::Generator(std::shared_ptr<backend::GenerationStream> stream) : stream_(std::move(stream)) {}
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&& other) noexcept {
  if (this != &other) {
    if (stream_) {
      stream_->abort();
      stream_->join();
    }
    stream_ = std::move(other.stream_);
  }
  return *this;
}

Generator::~Generator() {
  if (stream_) {
    stream_->abort();
    stream_->join();
  }
}

Expected<GenerationOutput> Generator::read(std::chrono::milliseconds timeout) { return stream_->read(timeout); }

Expected<std::string> Generator::read_all(std::chrono::milliseconds timeout) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    NPU_TRY_ASSIGN(auto out, stream_->read(std::max(left, std::chrono::milliseconds(0))));
    if (out.kind == OutputKind::kEnd) return text;
    if (out.kind == OutputKind::kContent || out.kind == OutputKind::kToolCall) text += out.text;
  }
}

GenerationStatus Generator::status() const noexcept { return stream_->status(); }
void Generator::abort() noexcept { stream_->abort(); }
GenerationStats Generator::stats() const { return stream_->stats(); }

}  // namespace npu::genai
