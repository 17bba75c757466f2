// genai::Generator: one generation of an LLM session, running on its own thread. The caller reads
// a stream of typed events:
//   kContent    visible text (one event per generated token; text may be empty while a UTF-8
//               character is incomplete)
//   kReasoning  text inside <think>...</think> (only with show_reasoning); one with empty text
//               whenever thinking ends (at </think>, or the end inside it), even when hidden
//   kStatus     "Analyzing..." when the model enters <think> (once per think block)
//   kToolCall   one tool call as JSON {"name":..,"arguments":{..}}; a call that does not parse
//               comes as kContent with its raw text and a `warning`
//   kRecovery   the device was reset (firmware crash or hang, DMA or memory error) and the
//               session recovered by itself: it reloaded the model, rebuilt its context by
//               running the tokens it had seen again, and the generation goes on unchanged;
//               or its device was removed and it moved to another device of the VDevice the
//               same way. `text` says what happened and how long it took; `warning` the error.
//   kEnd        the last event; its status says why generation stopped
//
//   NPU_TRY_ASSIGN(auto gen, llm->generate("Hello", {.max_generated_tokens = 32}));
//   while (true) {
//     NPU_TRY_ASSIGN(auto ev, gen.read(std::chrono::seconds(5)));
//     if (ev.kind == genai::OutputKind::kEnd) break;
//     if (ev.kind == genai::OutputKind::kContent) fmt::print("{}", ev.text);
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/genai/sampling_params.hpp"

namespace npu::genai {

using TokenId = std::int32_t;

// A generation's settings: the sampling fields of SamplingParams (temperature, top_k, top_p,
// min_p, repetition_penalty, repetition_window, seed: when the caller sets none of the first
// five, the model's metadata defaults apply, else the published preset for its name
// (genai::sampling_preset), else temperature 1; an unset seed is kDefaultSeed, so runs repeat),
// and the rest below.
struct GeneratorParams : SamplingParams {
  bool greedy = false;                      // argmax on the device; the host reads one id per token
  std::optional<std::uint32_t> max_generated_tokens;  // none: until an end token or a full context
  std::vector<TokenId> stop_tokens;         // in addition to the model's end-of-turn tokens
  bool ignore_end_tokens = false;           // do not stop on the model's end-of-turn tokens
  std::vector<std::string> stop_strings;    // generation ends once the text contains one
  bool return_logits = false;               // attach the logits that chose each token
  bool show_reasoning = false;              // stream the text inside <think> as kReasoning events
  // What-if timing: the device skips the values; every generated token is the last prompt token.
  bool timing_only = false;
};

enum class GenerationStatus : std::uint8_t {
  kGenerating,
  kMaxTokensReached,  // max_generated_tokens, or the context is full
  kLogicalEnd,        // an end-of-turn / stop token or stop string
  kAborted,           // abort(), or the session was destroyed
  kFailed,            // a device or runtime error (read() returned it)
};
[[nodiscard]] const char* to_string(GenerationStatus status) noexcept;

enum class OutputKind : std::uint8_t { kContent, kReasoning, kStatus, kToolCall, kEnd, kRecovery };
[[nodiscard]] const char* to_string(OutputKind kind) noexcept;

struct GenerationOutput {
  OutputKind kind = OutputKind::kContent;
  std::string text;
  TokenId token = -1;            // the generated token (content, reasoning, status of <think>)
  std::uint32_t index = 0;       // 0-based index of that token in this generation
  std::vector<float> logits;     // with return_logits: the logits that chose `token`
  GenerationStatus status = GenerationStatus::kGenerating;  // kEnd: why it stopped
  std::string warning;  // kContent of a malformed tool call: what was wrong with it
};

// Figures of one generation. "Device" times are what the device reports (modeled on the
// simulator); "host" times are wall clock.
struct GenerationStats {
  std::uint32_t prompt_tokens = 0, generated_tokens = 0, prefill_runs = 0, tbt_runs = 0;
  std::chrono::nanoseconds device_ttft{0};    // prefill runs up to the first token
  std::chrono::nanoseconds device_decode{0};  // TBT runs
  std::chrono::nanoseconds host_ttft{0};      // generate() to the first token, wall clock
  std::chrono::nanoseconds host_decode{0};    // first token to the last, wall clock
  std::chrono::nanoseconds host_step{0};      // host time in the stack's own DMA + RUN calls
  std::chrono::nanoseconds queue{0};          // waiting for the scheduler
  std::uint64_t device_cycles = 0, ddr_bytes = 0, decode_ddr_bytes = 0;
  std::uint64_t decode_cycles = 0, decode_compute_cycles = 0, decode_dma_cycles = 0;
  // Energy the device reports for the runs (modeled on the simulator; 0 from firmware < ABI 1.1).
  double device_energy_j = 0, decode_energy_j = 0;
  // Recoveries from a device reset during this generation, and the wall time they took
  // (restoring the context; the step that failed is then run again).
  std::uint32_t recoveries = 0;
  std::chrono::nanoseconds recovery_time{0};
  // Leading prompt tokens served from the session's context instead of being run again
  // (generate(messages) and generate_cached(); like OpenAI's cached_tokens). prompt_tokens counts
  // the tokens that were run, so the whole prompt is prompt_tokens + cached_tokens.
  std::uint32_t cached_tokens = 0;
  [[nodiscard]] double device_decode_tokens_per_s() const noexcept;
  [[nodiscard]] double host_decode_tokens_per_s() const noexcept;
};

}  // namespace npu::genai
namespace npu::backend {
class GenerationStream;  // one generation of an LLM session's backend
}
namespace npu::genai {

class Generator {
 public:
  explicit Generator(std::shared_ptr<backend::GenerationStream> stream);
  Generator(Generator&&) noexcept;
  Generator& operator=(Generator&&) noexcept;
  ~Generator();  // aborts a running generation and waits for it

  // The next event; kTimeout if none arrives within `timeout` (generation goes on). After kEnd,
  // further reads return kEnd again. A device error during generation is returned once.
  [[nodiscard]] Expected<GenerationOutput> read(std::chrono::milliseconds timeout);
  // All content text up to the end (reasoning and status dropped; tool calls as their JSON).
  [[nodiscard]] Expected<std::string> read_all(std::chrono::milliseconds timeout);
  [[nodiscard]] GenerationStatus status() const noexcept;
  // Stops after the current step; read() then delivers kEnd with kAborted.
  void abort() noexcept;
  [[nodiscard]] GenerationStats stats() const;

 private:
  std::shared_ptr<backend::GenerationStream> stream_;
};

}  // namespace npu::genai
