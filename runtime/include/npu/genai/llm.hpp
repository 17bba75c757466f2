// genai::LLM: a chat/completion session of a compiled language model on a VDevice (.npk on
// in-process devices and through npud, .hef through HailoRT).
//
//   NPU_TRY_ASSIGN(auto vdevice, npu::VDevice::create());
//   NPU_TRY_ASSIGN(auto llm, npu::genai::LLM::create(*vdevice, {.model_path = "lfm2.npk"}));
//   NPU_TRY_ASSIGN(auto gen, llm->generate("Why is the sky blue?"));
//   NPU_TRY_ASSIGN(auto text, gen.read_all(std::chrono::minutes(1)));
//
// The weights go to each device once per model; create_session() opens another session on the
// same weights, with its own context (KV cache, conv state) and its own pair of contexts on the
// device. A session lives on one device of the VDevice (the one with the most free memory when it
// is made; another if that one is removed); its runs go through the VDevice scheduler, so
// sessions and models share a device round-robin within priority. The prompt runs through the prefill subnet in chunks (the
// remainder chunk first), generation through the TBT subnet one token at a time.
// A session is used from one thread; its Generator may be read from another.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/common/error.hpp"
#include "npu/genai/chat_message.hpp"
#include "npu/device_profile.hpp"
#include "npu/genai/llm_generator.hpp"
#include "npu/genai/model_text.hpp"
#include "npu/vdevice.hpp"

namespace npu::backend {
class LlmBackend;
}

namespace npu::genai {

class Tokenizer;

struct LLMParams {
  std::filesystem::path model_path{};    // the .npk (or .hef on a HailoRT VDevice)
  std::uint8_t scheduler_priority = 16;  // 0..31, higher first
  // .hef models (HailoRT), as in HailoRT's LLMParams; other backends refuse them when set:
  std::string lora_name{};                // a LoRA adapter compiled into the .hef ("" = none)
  bool optimize_memory_on_device = false; // tokenize on the host to save device memory
  // What HailoRT injects after max tokens or an abort to leave the context usable (unset: the
  // model's own, usually its end-of-turn token). Never shown in the output.
  std::optional<std::string> recovery_sequence{};
};

struct LLMInfo {
  std::string name, architecture;
  bool synthetic = false;             // random weights: generated text is meaningless
  std::uint32_t vocab = 0, context_length = 0, prefill_chunk = 0;
  std::uint64_t weights_bytes = 0, state_bytes = 0;
  std::chrono::nanoseconds load_device_time{0};  // writing the weights, as the device reports it
  std::chrono::nanoseconds load_host_time{0};
  // The model takes and gives text only: its tokenizer runs inside the backend (HailoRT, on the
  // device). Token-id prompts, prefill() and logits are refused; events carry no token ids.
  bool text_only = false;
};

enum class PrefillMode : std::uint8_t {
  kChunked,      // prefill subnet, chunks of prefill_chunk rows (remainder first)
  kTokenByToken, // TBT subnet, one run per token (slow; for checks)
};

struct LLMHooks {
  std::function<void()> on_think_start;  // the model entered <think> (e.g. raise the clocks)
  std::function<void()> on_think_end;    // it left it
};

class LLM {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<LLM>> create(VDevice& vdevice, const LLMParams& params);
  // A new, empty session on the same model and weights.
  [[nodiscard]] Expected<std::unique_ptr<LLM>> create_session() const;
  explicit LLM(std::unique_ptr<backend::LlmBackend> backend);
  ~LLM();  // aborts a running generation
  LLM(const LLM&) = delete;
  LLM& operator=(const LLM&) = delete;

  [[nodiscard]] const LLMInfo& info() const noexcept;
  // The model's tokenizer (kNotFound if the .npk carries none; then only token ids work).
  [[nodiscard]] Expected<const Tokenizer*> tokenizer() const;
  [[nodiscard]] Expected<std::vector<TokenId>> tokenize(std::string_view text) const;
  // The model's tokenizer and chat templates (what `npu tokenize` and servers render prompts with).
  [[nodiscard]] Expected<ModelText> text() const;
  // The sampling presets of the model (its metadata), as generate() applies them.
  [[nodiscard]] GeneratorParams default_params() const;

  // Token ids and text prompts continue the session's context: token ids are used as given, a
  // prompt is tokenized (BOS added at the start of an empty context).
  // Messages are the WHOLE conversation (as OpenAI, llama-server and Hugging Face take it; not
  // only the new turns): it goes through the model's chat template with the assistant turn opened,
  // and the session runs exactly those tokens, reusing its context for the part they share
  // (generate_cached). Callers keep the conversation, add the reply and the next user turn, and
  // pass it all again each turn.
  // kInvalidArgument when the prompt does not fit the context (naming both lengths); kBusy while
  // another generation of this session runs.
  [[nodiscard]] Expected<Generator> generate(std::span<const TokenId> tokens, const GeneratorParams& params = {});
  [[nodiscard]] Expected<Generator> generate(std::string_view prompt, const GeneratorParams& params = {});
  [[nodiscard]] Expected<Generator> generate(std::span<const ChatMessage> messages,
                                             const GeneratorParams& params = {},
                                             std::span<const std::string> tools_json = {});
  // `tokens` is a whole prompt from position 0 (e.g. a conversation the caller rendered with
  // text()): the prompt cache of llama-server. The session keeps the longest common prefix of the
  // prompt and its context (its tokens, then the pending token) that it can return to exactly,
  // drops the rest of the context, runs the remaining prompt tokens and generates. The result is
  // token for token what a fresh session given the whole prompt produces. Positional state (the
  // KV cache) rewinds to any position; the conv state of LFM2's short-conv layers is restored from
  // a checkpoint taken at the end of each earlier prompt and generation (the latest at or below
  // the common prefix; none fits: the context starts over). The last prompt token always runs.
  // GenerationStats::cached_tokens says how many tokens were kept.
  [[nodiscard]] Expected<Generator> generate_cached(std::span<const TokenId> tokens, const GeneratorParams& params = {});

  // Feeds tokens into the context without generating; afterwards logits() holds the logits
  // after the last of them.
  [[nodiscard]] Expected<GenerationStats> prefill(std::span<const TokenId> tokens,
                                                  PrefillMode mode = PrefillMode::kChunked);
  [[nodiscard]] std::span<const float> logits() const noexcept;

  [[nodiscard]] std::uint32_t context_usage() const noexcept;     // positions used
  [[nodiscard]] std::uint32_t context_capacity() const noexcept;  // the compiled context length
  // The token generated last and not yet in the context (the next generate/prefill feeds it first).
  [[nodiscard]] std::optional<TokenId> pending_token() const noexcept;
  [[nodiscard]] Expected<void> clear_context();
  // Saves / restores the context (tokens and device state). save writes atomically; load refuses
  // a file saved from another model, naming both.
  [[nodiscard]] Expected<void> save_context(const std::filesystem::path& path);
  [[nodiscard]] Expected<void> load_context(const std::filesystem::path& path);

  // Device profiling of device `device` of the VDevice (ABI 1.1 firmware, e.g. the simulator;
  // kUnsupported otherwise and for multi-process sessions): start clears the device's records and
  // records every op, DMA and context switch from then on; read stops and returns them (for
  // per-layer reports and Chrome/Perfetto traces, see npu/device_profile.hpp).
  [[nodiscard]] Expected<void> start_device_profile(std::size_t device = 0);
  [[nodiscard]] Expected<ProfileData> read_device_profile(std::size_t device = 0);
  // This session's device contexts on `device` as {context id, "prefill" | "tbt"} (empty before
  // its first run there), to tell the subnets apart in profile records.
  [[nodiscard]] std::vector<std::pair<std::uint32_t, std::string>> device_contexts(std::size_t device = 0) const;

  void set_hooks(LLMHooks hooks);
  [[nodiscard]] Expected<void> set_scheduler_priority(std::uint8_t priority);

 private:
  [[nodiscard]] Expected<void> check_idle() const;
  [[nodiscard]] Expected<Generator> started(Expected<std::shared_ptr<backend::GenerationStream>> stream);

  std::unique_ptr<backend::LlmBackend> backend_;
  LLMHooks hooks_;
  std::weak_ptr<backend::GenerationStream> active_;  // the running generation, if any
};

}  // namespace npu::genai
