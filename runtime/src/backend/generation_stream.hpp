// What a genai::Generator reads: one generation of an LlmBackend (running in this process, in
// npud, or in HailoRT), as the typed events of llm_generator.hpp.
#pragma once

#include <chrono>

#include "npu/common/error.hpp"
#include "npu/genai/llm_generator.hpp"

namespace npu::backend {

class GenerationStream {
 public:
  virtual ~GenerationStream() = default;
  // The next event; kTimeout if none within `timeout`. After kEnd, kEnd again; a failure is
  // returned once (as the error) in place of the kEnd.
  [[nodiscard]] virtual Expected<genai::GenerationOutput> read(std::chrono::milliseconds timeout) = 0;
  [[nodiscard]] virtual genai::GenerationStatus status() const noexcept = 0;
  // Stops after the current step; the stream then ends with kAborted.
  virtual void abort() noexcept = 0;
  virtual void join() = 0;  // returns once the generation has ended
  [[nodiscard]] virtual genai::GenerationStats stats() const = 0;
};

}  // namespace npu::backend
