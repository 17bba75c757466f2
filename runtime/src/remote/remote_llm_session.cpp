#include "remote/remote_llm_session.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "npu/common/file.hpp"
#include "remote/remote_generation.hpp"
#include "wire/llm_json.hpp"

namespace npu::remote {

using npud::MessageType;

Expected<std::unique_ptr<backend::LlmBackend>> RemoteLlm::create(std::shared_ptr<RemoteVDevice> vdevice,
                                                                 const genai::LLMParams& params) {
  NPU_TRY_ASSIGN(auto package, genai::detail::LlmPackage::open(params.model_path));
  NPU_TRY_ASSIGN(auto text, genai::detail::LlmText::create(*package));
  genai::LLMInfo info;
  NPU_TRY_ASSIGN(auto session, RemoteLlmSession::create(vdevice, params, info));
  return std::unique_ptr<backend::LlmBackend>(
      std::make_unique<RemoteLlm>(std::move(session), std::move(package), std::move(text), std::move(info)));
}

Expected<std::unique_ptr<backend::LlmBackend>> RemoteLlm::create_session() const {
  genai::LLMInfo info;
  NPU_TRY_ASSIGN(auto session, session_->create_session(info));
  return std::unique_ptr<backend::LlmBackend>(
      std::make_unique<RemoteLlm>(std::move(session), package_ptr(), llm_text(), std::move(info)));
}

Expected<void> RemoteLlm::start_device_profile(std::size_t) {
  return fail(ErrorCode::kUnsupported, "device profiles are not available through npud; run the model in this process");
}

Expected<ProfileData> RemoteLlm::read_device_profile(std::size_t) {
  return fail(ErrorCode::kUnsupported, "device profiles are not available through npud; run the model in this process");
}

Expected<std::shared_ptr<RemoteLlmSession>> RemoteLlmSession::create(const std::shared_ptr<RemoteVDevice>& vdevice,
                                                                     const genai::LLMParams& params,
                                                                     genai::LLMInfo& info) {
  UniqueFd npk(::open(params.model_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!npk.valid()) return fail(ErrorCode::kIo, fmt::format("{}: {}", params.model_path.string(), std::strerror(errno)));
  const int fds[] = {npk.get()};
  nlohmann::json body = {{"path", std::filesystem::absolute(params.model_path).string()},
                         {"priority", params.scheduler_priority}};
  auto reply = vdevice->connection()->call(MessageType::kLlmCreate, body, {}, fds);
  if (!reply) return fail(reply.error().with_context(fmt::format("loading {} in npud", params.model_path.string())));
  std::shared_ptr<RemoteLlmSession> session(new RemoteLlmSession(vdevice));
  return finish(std::move(session), reply->body, info);
}

Expected<std::shared_ptr<RemoteLlmSession>> RemoteLlmSession::create_session(genai::LLMInfo& info) const {
  NPU_TRY_ASSIGN(auto reply, connection().call(MessageType::kLlmCreateSession, {{"from", id_}}));
  std::shared_ptr<RemoteLlmSession> session(new RemoteLlmSession(vdevice_));
  return finish(std::move(session), reply.body, info);
}

Expected<std::shared_ptr<RemoteLlmSession>> RemoteLlmSession::finish(std::shared_ptr<RemoteLlmSession> session,
                                                                     const nlohmann::json& reply, genai::LLMInfo& info) {
  npud::read_field(reply, "session", session->id_);
  if (session->id_ == 0) return fail(ErrorCode::kBadFormat, "npud answered without a session id");
  session->update_context(reply);
  if (auto it = reply.find("info"); it != reply.end()) info = npud::llm_info_from_json(*it);
  return session;
}

RemoteLlmSession::~RemoteLlmSession() {
  abort_active();
  if (id_ != 0) (void)connection().call(MessageType::kLlmRelease, {{"session", id_}});
}

std::uint32_t RemoteLlmSession::used() const noexcept {
  std::lock_guard lock(mutex_);
  return used_;
}

std::optional<genai::TokenId> RemoteLlmSession::pending() const noexcept {
  std::lock_guard lock(mutex_);
  return pending_;
}

void RemoteLlmSession::update_context(const nlohmann::json& body) {
  std::lock_guard lock(mutex_);
  npud::read_field(body, "used", used_);
  if (auto it = body.find("pending"); it != body.end()) {
    if (it->is_number_integer()) pending_ = it->get<genai::TokenId>();
    else pending_.reset();
  }
}

void RemoteLlmSession::abort_active() noexcept {
  std::shared_ptr<RemoteGeneration> gen;
  {
    std::lock_guard lock(mutex_);
    gen = active_.lock();
  }
  if (gen) gen->abort();
}

Expected<std::shared_ptr<backend::GenerationStream>> RemoteLlmSession::generate(
    std::span<const genai::TokenId> tokens, const genai::GeneratorParams& params, const genai::LLMHooks& hooks,
    bool whole_prompt) {
  // The events carry all the hooks need (RemoteGeneration::fire_hooks): no token ids to look up.
  auto gen = std::make_shared<RemoteGeneration>(vdevice_->connection(), connection().next_stream_id(), hooks,
                                                weak_from_this());
  gen->subscribe(gen);
  nlohmann::json body = {{"session", id_},
                         {"stream", gen->stream()},
                         {"tokens", std::vector<genai::TokenId>(tokens.begin(), tokens.end())},
                         {"params", npud::to_json(params)}};
  if (whole_prompt) body["whole_prompt"] = true;
  // npud feeds the pending token as the first prompt token (or drops it, rewinding). Forgotten
  // before the call: a short generation can end, and its end event bring the new pending token,
  // before this thread sees the call's answer.
  std::optional<genai::TokenId> before;
  {
    std::lock_guard lock(mutex_);
    before = pending_;
    pending_.reset();
  }
  if (auto called = connection().call(MessageType::kLlmGenerate, body); !called) {
    std::lock_guard lock(mutex_);
    if (!pending_) pending_ = before;  // nothing was generated
    return fail(called.error());
  }
  {
    std::lock_guard lock(mutex_);
    active_ = gen;
  }
  return std::shared_ptr<backend::GenerationStream>(std::move(gen));
}

Expected<genai::GenerationStats> RemoteLlmSession::prefill(std::span<const genai::TokenId> tokens,
                                                          genai::PrefillMode mode) {
  nlohmann::json body = {{"session", id_},
                         {"tokens", std::vector<genai::TokenId>(tokens.begin(), tokens.end())},
                         {"mode", mode == genai::PrefillMode::kChunked ? "chunked" : "token_by_token"}};
  auto reply = connection().call(MessageType::kLlmPrefill, body);
  if (!reply) {
    // A failed prefill drops the context in npud; fetch the state again on the next reply.
    return fail(reply.error());
  }
  update_context(reply->body);
  logits_.resize(reply->binary.size() / sizeof(float));
  if (!logits_.empty()) std::memcpy(logits_.data(), reply->binary.data(), logits_.size() * sizeof(float));
  if (auto it = reply->body.find("stats"); it != reply->body.end()) return npud::generation_stats_from_json(*it);
  return genai::GenerationStats{};
}

Expected<void> RemoteLlmSession::clear() {
  NPU_TRY_ASSIGN(auto reply, connection().call(MessageType::kLlmClear, {{"session", id_}}));
  update_context(reply.body);
  return {};
}

Expected<void> RemoteLlmSession::save(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto reply, connection().call(MessageType::kLlmSaveContext, {{"session", id_}}));
  return write_file_atomic(path, reply.binary);
}

Expected<void> RemoteLlmSession::load(const std::filesystem::path& path) {
  NPU_TRY_ASSIGN(auto file, MappedFile::open(path));
  NPU_TRY_ASSIGN(auto reply, connection().call(MessageType::kLlmLoadContext, {{"session", id_}, {"path", path.string()}},
                                               file.bytes()));
  update_context(reply.body);
  return {};
}

Expected<void> RemoteLlmSession::set_priority(std::uint8_t priority) {
  NPU_TRY(connection().call(MessageType::kLlmSetPriority, {{"session", id_}, {"priority", priority}}));
  return {};
}

}  // namespace npu::remote
