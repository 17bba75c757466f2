// genai::LLM: the front over an LlmBackend. It owns what every backend shares: the hooks, the
// running generation (kBusy while it runs, aborted when the session goes) and the model-kind check.
#include "npu/genai/llm.hpp"

#include <fmt/format.h>

#include "backend/llm_backend.hpp"
#include "backend/registry.hpp"
#include "backend/vdevice_backend.hpp"

namespace npu::genai {

Expected<std::unique_ptr<LLM>> LLM::create(VDevice& vdevice, const LLMParams& params) {
  NPU_TRY(backend::check_model_kind(vdevice.selection().backend, params.model_path));
  if (backend::model_kind(params.model_path) != "hef" &&
      (!params.lora_name.empty() || params.optimize_memory_on_device || params.recovery_sequence)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("lora_name, optimize_memory_on_device and recovery_sequence are options of .hef models "
                            "(HailoRT); {} is not one: leave them unset", params.model_path.string()));
  }
  NPU_TRY_ASSIGN(auto session, vdevice.backend()->create_llm(params));
  return std::make_unique<LLM>(std::move(session));
}

Expected<std::unique_ptr<LLM>> LLM::create_session() const {
  NPU_TRY_ASSIGN(auto session, backend_->create_session());
  return std::make_unique<LLM>(std::move(session));
}

LLM::LLM(std::unique_ptr<backend::LlmBackend> backend) : backend_(std::move(backend)) {}

LLM::~LLM() {
  if (auto stream = active_.lock()) stream->abort();
}

Expected<void> LLM::check_idle() const {
  if (auto stream = active_.lock(); stream && stream->status() == GenerationStatus::kGenerating) {
    return fail(ErrorCode::kBusy,
                "this session is still generating: read its generator to the end or abort() it first "
                "(or use another session from create_session())");
  }
  return {};
}

Expected<Generator> LLM::started(Expected<std::shared_ptr<backend::GenerationStream>> stream) {
  if (!stream) return fail(stream.error());
  active_ = *stream;
  return Generator(std::move(*stream));
}

const LLMInfo& LLM::info() const noexcept { return backend_->info(); }
Expected<const Tokenizer*> LLM::tokenizer() const { return backend_->tokenizer(); }
Expected<std::vector<TokenId>> LLM::tokenize(std::string_view text) const { return backend_->tokenize(text); }
GeneratorParams LLM::default_params() const { return backend_->default_params(); }

Expected<ModelText> LLM::text() const { return backend_->text(); }

Expected<Generator> LLM::generate(std::span<const TokenId> tokens, const GeneratorParams& params) {
  NPU_TRY(check_idle());
  return started(backend_->generate(tokens, params, hooks_));
}

Expected<Generator> LLM::generate(std::string_view prompt, const GeneratorParams& params) {
  NPU_TRY(check_idle());
  return started(backend_->generate(prompt, params, hooks_));
}

Expected<Generator> LLM::generate(std::span<const ChatMessage> messages, const GeneratorParams& params,
                                  std::span<const std::string> tools_json) {
  NPU_TRY(check_idle());
  return started(backend_->generate(messages, tools_json, params, hooks_));
}

Expected<Generator> LLM::generate_cached(std::span<const TokenId> tokens, const GeneratorParams& params) {
  NPU_TRY(check_idle());
  return started(backend_->generate_cached(tokens, params, hooks_));
}

Expected<GenerationStats> LLM::prefill(std::span<const TokenId> tokens, PrefillMode mode) {
  NPU_TRY(check_idle());
  return backend_->prefill(tokens, mode);
}

std::span<const float> LLM::logits() const noexcept { return backend_->logits(); }
std::uint32_t LLM::context_usage() const noexcept { return backend_->context_usage(); }
std::uint32_t LLM::context_capacity() const noexcept { return backend_->context_capacity(); }
std::optional<TokenId> LLM::pending_token() const noexcept { return backend_->pending_token(); }

Expected<void> LLM::clear_context() {
  NPU_TRY(check_idle());
  return backend_->clear_context();
}

Expected<void> LLM::save_context(const std::filesystem::path& path) {
  NPU_TRY(check_idle());
  return backend_->save_context(path);
}

Expected<void> LLM::load_context(const std::filesystem::path& path) {
  NPU_TRY(check_idle());
  return backend_->load_context(path);
}

Expected<void> LLM::start_device_profile(std::size_t device) { return backend_->start_device_profile(device); }
Expected<ProfileData> LLM::read_device_profile(std::size_t device) { return backend_->read_device_profile(device); }
std::vector<std::pair<std::uint32_t, std::string>> LLM::device_contexts(std::size_t device) const {
  return backend_->device_contexts(device);
}

void LLM::set_hooks(LLMHooks hooks) { hooks_ = std::move(hooks); }

Expected<void> LLM::set_scheduler_priority(std::uint8_t priority) { return backend_->set_scheduler_priority(priority); }

}  // namespace npu::genai
