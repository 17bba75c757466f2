#include "local/llm/local_llm.hpp"

#include <fmt/format.h>

#include "local/llm/context_file.hpp"
#include "local/llm/generation_job.hpp"
#include "local/llm/token_chooser.hpp"

namespace npu::local {

using genai::GenerationStats;
using genai::TokenId;
using genai::detail::LocalSession;

Expected<std::unique_ptr<backend::LlmBackend>> LocalLlm::create(std::shared_ptr<LocalVDevice> vdevice,
                                                                const genai::LLMParams& params) {
  NPU_TRY_ASSIGN(auto package, genai::detail::LlmPackage::open(params.model_path));
  NPU_TRY_ASSIGN(auto text, genai::detail::LlmText::create(*package));
  NPU_TRY_ASSIGN(auto model, genai::detail::LlmModelCore::create(std::move(vdevice), std::move(package)));
  NPU_TRY_ASSIGN(auto session, LocalSession::create(std::move(model), std::move(text), params.scheduler_priority));
  return std::unique_ptr<backend::LlmBackend>(std::make_unique<LocalLlm>(std::move(session)));
}

LocalLlm::LocalLlm(std::shared_ptr<LocalSession> session)
    : NpkLlmText(session->model->package_ptr(), session->text), session_(std::move(session)) {}

Expected<std::unique_ptr<backend::LlmBackend>> LocalLlm::create_session() const {
  NPU_TRY_ASSIGN(auto session,
                 LocalSession::create(session_->model, session_->text, genai::LLMParams{}.scheduler_priority));
  return std::unique_ptr<backend::LlmBackend>(std::make_unique<LocalLlm>(std::move(session)));
}

Expected<genai::detail::TokenChooser> LocalLlm::chooser_for(const genai::GeneratorParams& params) const {
  const auto& pkg = session_->model->package();
  auto sampling = genai::detail::resolve_generation_sampling(params, pkg.defaults, pkg.name);
  NPU_TRY_ASSIGN(auto chooser, genai::detail::TokenChooser::create(params, sampling));
  if (params.max_generated_tokens && *params.max_generated_tokens == 0) {
    return fail(ErrorCode::kInvalidArgument, "max_generated_tokens must be at least 1 (leave it unset for no limit)");
  }
  return chooser;
}

std::shared_ptr<backend::GenerationStream> LocalLlm::start(std::vector<TokenId> prompt,
                                                           const genai::GeneratorParams& params,
                                                           genai::detail::TokenChooser chooser,
                                                           const genai::LLMHooks& hooks, std::uint32_t cached) {
  session_->pending.reset();  // fed as part of this prompt, or dropped by a rewind
  auto job = std::make_shared<genai::detail::GenerationJob>(session_, std::move(prompt), params, std::move(chooser),
                                                             hooks, cached);
  job->start();
  return job;
}

Expected<std::shared_ptr<backend::GenerationStream>> LocalLlm::generate(std::span<const TokenId> tokens,
                                                                       const genai::GeneratorParams& params,
                                                                       const genai::LLMHooks& hooks) {
  auto& s = *session_;
  NPU_TRY_ASSIGN(auto chooser, chooser_for(params));
  auto prompt = s.with_pending(tokens);
  if (prompt.empty()) return fail(ErrorCode::kInvalidArgument, "the prompt is empty: give at least one token");
  NPU_TRY(s.check_fits(prompt.size()));
  return start(std::move(prompt), params, std::move(chooser), hooks, 0);
}

Expected<std::shared_ptr<backend::GenerationStream>> LocalLlm::generate_cached(std::span<const TokenId> tokens,
                                                                              const genai::GeneratorParams& params,
                                                                              const genai::LLMHooks& hooks) {
  auto& s = *session_;
  NPU_TRY_ASSIGN(auto chooser, chooser_for(params));
  if (tokens.empty()) return fail(ErrorCode::kInvalidArgument, "the prompt is empty: give at least one token");
  if (tokens.size() > s.capacity()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("the prompt is {} tokens but the model's context holds {}: shorten the conversation "
                            "or recompile with a larger --context", tokens.size(), s.capacity()));
  }
  NPU_TRY(s.check_tokens(tokens));  // before the context changes
  const std::uint32_t keep = s.reusable_prefix(tokens);
  NPU_TRY(s.rewind(keep));
  return start(std::vector<TokenId>(tokens.begin() + keep, tokens.end()), params, std::move(chooser), hooks, keep);
}

Expected<GenerationStats> LocalLlm::prefill(std::span<const TokenId> tokens, genai::PrefillMode mode) {
  auto all = session_->with_pending(tokens);
  GenerationStats stats;
  NPU_TRY(session_->feed(all, mode, genai::detail::Readback::kLogits, stats));
  session_->pending.reset();
  session_->checkpoint();
  (void)genai::detail::take_recoveries(*session_, stats);
  return stats;
}

Expected<void> LocalLlm::clear_context() {
  session_->clear();
  return {};
}

Expected<void> LocalLlm::save_context(const std::filesystem::path& path) {
  auto& s = *session_;
  genai::detail::SavedContext c;
  c.model_name = s.info.name;
  c.model_fingerprint = s.model->package().fingerprint();
  c.context_length = s.capacity();
  c.history = s.history;
  c.pending = s.pending;
  NPU_TRY_ASSIGN(c.state, s.core->read_state());
  // The checkpoints below the end (the state itself is the one at the end).
  for (const auto& checkpoint : s.checkpoints) {
    if (checkpoint.position < s.used()) c.checkpoints.push_back({checkpoint.position, checkpoint.recurrent});
  }
  return genai::detail::write_context_file(path, c);
}

Expected<void> LocalLlm::load_context(const std::filesystem::path& path) {
  auto& s = *session_;
  NPU_TRY_ASSIGN(auto c, genai::detail::read_context_file(path));
  if (c.model_fingerprint != s.model->package().fingerprint() || c.context_length != s.capacity()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("{} was saved from model '{}', not from this model '{}' ({}): load it into a "
                            "session of the model it came from", path.string(), c.model_name, s.info.name,
                            s.model->package().path.string()));
  }
  if (c.history.size() > s.capacity()) {
    return fail(ErrorCode::kBadFormat, fmt::format("{} holds more tokens than the context", path.string()));
  }
  auto tokens = c.history;  // and the pending token
  if (c.pending) tokens.push_back(*c.pending);
  if (auto valid = s.check_tokens(tokens); !valid) {
    return fail(ErrorCode::kBadFormat, fmt::format("{} is not a usable context file: {}", path.string(),
                                                   valid.error().message()));
  }
  std::vector<genai::detail::Checkpoint> checkpoints;
  for (auto& checkpoint : c.checkpoints) checkpoints.push_back({checkpoint.position, std::move(checkpoint.recurrent)});
  auto restored = s.restore(std::move(c.state), std::move(c.history), std::move(checkpoints));
  if (!restored) return fail(restored.error().with_context(fmt::format("loading {}", path.string())));
  s.pending = c.pending;
  return {};
}

Expected<void> LocalLlm::set_scheduler_priority(std::uint8_t priority) { return session_->core->set_priority(priority); }

}  // namespace npu::local
