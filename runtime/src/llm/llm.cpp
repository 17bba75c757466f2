// genai::LLM: the public session API over LLM::Impl (llm_impl.hpp) and GenerationJob.
#include "npu/genai/llm.hpp"

#include <fmt/format.h>

#include "context_file.hpp"
#include "generation_job.hpp"
#include "llm_impl.hpp"
#include "../remote/remote_llm_session.hpp"

namespace npu::genai {

Expected<std::unique_ptr<LLM>> LLM::create(VDevice& vdevice, const LLMParams& params) {
  if (vdevice.remote()) {  // the session lives in npud
    NPU_TRY_ASSIGN(auto impl, remote::RemoteLlmSession::create_impl(vdevice.remote(), params));
    return std::make_unique<LLM>(std::move(impl));
  }
  NPU_TRY_ASSIGN(auto package, detail::LlmPackage::open(params.model_path));
  NPU_TRY_ASSIGN(auto text, detail::LlmText::create(*package));
  NPU_TRY_ASSIGN(auto model, detail::LlmModelCore::create(vdevice.core(), std::move(package)));
  NPU_TRY_ASSIGN(auto impl, Impl::create(std::move(model), std::move(text), params.scheduler_priority));
  return std::make_unique<LLM>(std::move(impl));
}

Expected<std::unique_ptr<LLM>> LLM::create_session() const {
  if (impl_->remote) {
    NPU_TRY_ASSIGN(auto impl, impl_->remote->create_session_impl(impl_->text));
    return std::make_unique<LLM>(std::move(impl));
  }
  NPU_TRY_ASSIGN(auto impl, Impl::create(impl_->model, impl_->text, LLMParams{}.scheduler_priority));
  return std::make_unique<LLM>(std::move(impl));
}

LLM::LLM(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

LLM::~LLM() {
  if (impl_->remote) impl_->remote->abort_active();
  std::lock_guard lock(impl_->mutex);
  if (auto job = impl_->active.lock()) job->abort();
}

const LLMInfo& LLM::info() const noexcept { return impl_->info; }

Expected<const Tokenizer*> LLM::tokenizer() const { return impl_->text->require_tokenizer(impl_->info.name); }

Expected<std::vector<TokenId>> LLM::tokenize(std::string_view text) const {
  NPU_TRY_ASSIGN(const Tokenizer* tok, tokenizer());
  return tok->encode(text, EncodeOptions{.add_special = impl_->used() == 0 && !impl_->pending_token()});
}

ModelText LLM::text() const { return ModelText(impl_->text); }

GeneratorParams LLM::default_params() const {
  const auto& d = impl_->package().defaults;
  GeneratorParams p;
  p.temperature = d.temperature;
  p.top_k = d.top_k;
  p.top_p = d.top_p;
  p.min_p = d.min_p;
  p.repetition_penalty = d.repetition_penalty;
  return p;
}

Expected<Generator> LLM::generate(std::span<const TokenId> tokens, const GeneratorParams& params) {
  if (impl_->remote) return impl_->remote->generate(tokens, params, impl_->hooks, impl_->text);
  NPU_TRY(impl_->check_idle());
  const auto& pkg = impl_->model->package();
  auto sampling = detail::resolve_generation_sampling(params, detail::to_sampling(default_params()), pkg.name);
  NPU_TRY_ASSIGN(auto chooser, detail::TokenChooser::create(params, sampling));
  auto prompt = impl_->with_pending(tokens);
  if (prompt.empty()) return fail(ErrorCode::kInvalidArgument, "the prompt is empty: give at least one token");
  NPU_TRY(impl_->check_fits(prompt.size()));
  if (params.max_generated_tokens && *params.max_generated_tokens == 0) {
    return fail(ErrorCode::kInvalidArgument, "max_generated_tokens must be at least 1 (leave it unset for no limit)");
  }
  impl_->pending.reset();  // it is part of this prompt now
  auto job = std::make_shared<detail::GenerationJob>(impl_, std::move(prompt), params,
                                                      std::move(chooser));
  {
    std::lock_guard lock(impl_->mutex);
    impl_->active = job;
  }
  job->start();
  return Generator(std::move(job));
}

Expected<Generator> LLM::generate(std::string_view prompt, const GeneratorParams& params) {
  NPU_TRY_ASSIGN(auto tokens, tokenize(prompt));
  return generate(std::span<const TokenId>(tokens), params);
}

Expected<Generator> LLM::generate(std::span<const ChatMessage> messages, const GeneratorParams& params,
                                  std::span<const std::string> tools_json) {
  const auto& text = *impl_->text;
  NPU_TRY_ASSIGN(const ChatTemplate* chat, text.require_chat(!tools_json.empty()));
  NPU_TRY_ASSIGN(std::string rendered, chat->render(messages, tools_json));
  const auto pending = impl_->pending_token();
  const bool continuing = impl_->used() > 0 || pending;
  if (!continuing) {
    NPU_TRY_ASSIGN(auto tokens, text.encode_chat(rendered));
    return generate(std::span<const TokenId>(tokens), params);
  }
  // Only the new turns: drop the template's BOS, and restore the newline the template puts
  // after the end-of-turn token that ended the previous answer (it is the pending token).
  const std::string& bos = chat->tokens().bos;
  if (!bos.empty() && rendered.starts_with(bos)) rendered.erase(0, bos.size());
  if (pending && text.special.im_end && *pending == *text.special.im_end) {
    std::string joined(1, '\n');  // (not insert(0, ..): GCC 12 warns falsely on it)
    joined += rendered;
    rendered.swap(joined);
  }
  NPU_TRY_ASSIGN(const Tokenizer* tok, tokenizer());
  NPU_TRY_ASSIGN(auto tokens, tok->encode(rendered, EncodeOptions{.add_special = false}));
  return generate(std::span<const TokenId>(tokens), params);
}

Expected<GenerationStats> LLM::prefill(std::span<const TokenId> tokens, PrefillMode mode) {
  if (impl_->remote) return impl_->remote->prefill(tokens, mode);
  NPU_TRY(impl_->check_idle());
  auto all = impl_->with_pending(tokens);
  GenerationStats stats;
  NPU_TRY(impl_->feed(all, mode, detail::Readback::kLogits, stats));
  impl_->pending.reset();
  return stats;
}

std::span<const float> LLM::logits() const noexcept {
  return impl_->remote ? impl_->remote->logits() : impl_->core->logits();
}
std::uint32_t LLM::context_usage() const noexcept { return impl_->used(); }
std::uint32_t LLM::context_capacity() const noexcept { return impl_->capacity(); }
std::optional<TokenId> LLM::pending_token() const noexcept { return impl_->pending_token(); }

Expected<void> LLM::clear_context() {
  if (impl_->remote) return impl_->remote->clear();
  NPU_TRY(impl_->check_idle());
  impl_->clear();
  return {};
}

Expected<void> LLM::save_context(const std::filesystem::path& path) {
  if (impl_->remote) return impl_->remote->save(path);
  NPU_TRY(impl_->check_idle());
  detail::SavedContext c;
  c.model_name = impl_->info.name;
  c.model_fingerprint = impl_->model->package().fingerprint();
  c.context_length = impl_->capacity();
  c.history = impl_->history;
  c.pending = impl_->pending;
  NPU_TRY_ASSIGN(c.state, impl_->core->read_state());
  return detail::write_context_file(path, c);
}

Expected<void> LLM::load_context(const std::filesystem::path& path) {
  if (impl_->remote) return impl_->remote->load(path);
  NPU_TRY(impl_->check_idle());
  NPU_TRY_ASSIGN(auto c, detail::read_context_file(path));
  if (c.model_fingerprint != impl_->model->package().fingerprint() || c.context_length != impl_->capacity()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("{} was saved from model '{}', not from this model '{}' ({}): load it into a "
                            "session of the model it came from", path.string(), c.model_name,
                            impl_->info.name, impl_->model->package().path.string()));
  }
  if (c.history.size() > impl_->capacity()) {
    return fail(ErrorCode::kBadFormat, fmt::format("{} holds more tokens than the context", path.string()));
  }
  NPU_TRY(impl_->core->write_state(c.state));
  impl_->history = std::move(c.history);
  impl_->pending = c.pending;
  return {};
}

void LLM::set_hooks(LLMHooks hooks) { impl_->hooks = std::move(hooks); }

Expected<void> LLM::set_scheduler_priority(std::uint8_t priority) {
  if (impl_->remote) return impl_->remote->set_priority(priority);
  return impl_->core->set_priority(priority);
}

}  // namespace npu::genai
