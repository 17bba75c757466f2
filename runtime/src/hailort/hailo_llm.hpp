// A language model compiled by Hailo (.hef) on a HailoRT VDevice: HailoRT's genai::LLM, with the
// LoRA and device-memory options of LLMParams. HailoRT runs the whole pipeline on the device
// (tokenizer, chat template, sampling, KV cache), so a session here takes text and messages, not
// token ids, and reports host-measured figures. One HailoRT LLM holds one conversation context.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hailo_generation.hpp"
#include "hailo_vdevice.hpp"
#include "npu/genai/chat_message.hpp"
#include "npu/genai/llm.hpp"

namespace hailort::genai {
class LLM;
class LLMGeneratorCompletion;
}  // namespace hailort::genai

namespace npu::hailort_backend {

struct HailoLlmParams {
  std::filesystem::path hef;
  std::string lora_name;                   // a LoRA adapter compiled into the .hef ("" = none)
  bool optimize_memory_on_device = false;  // tokenize on the host to save device memory
};

class HailoLlm {
 public:
  // The seed of a generation that sets none (HailoRT would draw a random one).
  static constexpr std::uint64_t kDefaultSeed = 0;

  [[nodiscard]] static Expected<std::shared_ptr<HailoLlm>> create(std::shared_ptr<HailoVDevice> vdevice,
                                                                 const HailoLlmParams& params);
  HailoLlm(std::shared_ptr<HailoVDevice> vdevice, HailoLlmParams params, std::unique_ptr<hailort::genai::LLM> llm);
  ~HailoLlm();  // aborts a running generation

  // Another session (its own context) of the same model: HailoRT loads the model again.
  [[nodiscard]] Expected<std::shared_ptr<HailoLlm>> create_session() const;

  [[nodiscard]] const genai::LLMInfo& info() const noexcept { return info_; }
  // The model's defaults (its .hef's generation parameters).
  [[nodiscard]] genai::GeneratorParams default_params() const noexcept { return defaults_; }
  [[nodiscard]] Expected<std::vector<genai::TokenId>> tokenize(std::string_view text);

  // A raw prompt (no chat template) / chat messages through the model's own template (+ tools).
  // The context continues from earlier generations. kBusy while a generation runs;
  // kUnsupported for settings HailoRT cannot honour (naming them).
  [[nodiscard]] Expected<std::shared_ptr<HailoGeneration>> generate(std::string_view prompt,
                                                                    const genai::GeneratorParams& params,
                                                                    const genai::LLMHooks& hooks);
  [[nodiscard]] Expected<std::shared_ptr<HailoGeneration>> generate(std::span<const genai::ChatMessage> messages,
                                                                    const genai::GeneratorParams& params,
                                                                    std::span<const std::string> tools_json,
                                                                    const genai::LLMHooks& hooks);

  [[nodiscard]] std::uint32_t context_usage();
  [[nodiscard]] std::uint32_t context_capacity() const noexcept { return info_.context_length; }
  [[nodiscard]] Expected<void> clear_context();
  // The context as HailoRT saves it, in a file that names the model it came from.
  [[nodiscard]] Expected<void> save_context(const std::filesystem::path& path);
  [[nodiscard]] Expected<void> load_context(const std::filesystem::path& path);

  // What HailoRT injects after max tokens or an abort to leave the context usable.
  [[nodiscard]] Expected<std::string> recovery_sequence();
  [[nodiscard]] Expected<void> set_recovery_sequence(const std::string& sequence);
  // The model's end-of-turn sequences (HailoRT's stop tokens, as the .hef defines them).
  [[nodiscard]] const std::vector<std::string>& end_of_turn() const noexcept { return end_of_turn_; }

 private:
  struct Prepared;
  [[nodiscard]] Expected<void> check_idle();
  [[nodiscard]] Expected<Prepared> prepare(const genai::GeneratorParams& params, const genai::LLMHooks& hooks,
                                           bool start_in_reasoning);
  [[nodiscard]] std::shared_ptr<HailoGeneration> start_generation(
      std::unique_ptr<hailort::genai::LLMGeneratorCompletion> completion, Prepared prepared,
      std::uint32_t prompt_tokens, std::chrono::steady_clock::time_point started);
  [[nodiscard]] Expected<void> load_model_facts();

  std::shared_ptr<HailoVDevice> vdevice_;
  HailoLlmParams params_;
  std::unique_ptr<hailort::genai::LLM> llm_;
  genai::LLMInfo info_;
  genai::GeneratorParams defaults_;
  std::vector<std::string> end_of_turn_;   // the .hef's stop tokens
  std::vector<std::string> stop_tokens_;   // what HailoRT has set now
  std::string recovery_;
  std::uint32_t recovery_tokens_ = 0;
  bool template_opens_think_ = false;
  std::mutex mutex_;  // guards active_
  std::weak_ptr<HailoGeneration> active_;
};

}  // namespace npu::hailort_backend
