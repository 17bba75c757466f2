// What a genai::Generator reads: a generation running in this process (GenerationJob) or one
// running in npud and streamed over its socket (remote/remote_generation.hpp).
#pragma once

#include <chrono>

#include "npu/common/error.hpp"
#include "npu/genai/llm_generator.hpp"

namespace npu::genai::detail {

class GenerationStream {
 public:
  virtual ~GenerationStream() = default;
  [[nodiscard]] virtual Expected<GenerationOutput> read(std::chrono::milliseconds timeout) = 0;
  [[nodiscard]] virtual GenerationStatus status() const noexcept = 0;
  virtual void abort() noexcept = 0;
  virtual void join() = 0;  // returns once the generation has ended
  [[nodiscard]] virtual GenerationStats stats() const = 0;
};

}  // namespace npu::genai::detail
