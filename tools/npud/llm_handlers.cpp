// npud requests on LLM sessions: create (the .npk arrives as a descriptor), generate with the
// events pumped to the client, abort, prefill, context clear/save/load, priority.
#include <unistd.h>

#include <fmt/format.h>

#include "client_session.hpp"
#include "daemon.hpp"
#include "npu/common/file.hpp"
#include "npu/common/log.hpp"
#include "wire/llm_json.hpp"

namespace npu::npud {

namespace {

nlohmann::json context_json(const genai::LLM& llm) {
  nlohmann::json j = {{"used", llm.context_usage()}, {"pending", nullptr}};
  if (auto p = llm.pending_token()) j["pending"] = *p;
  return j;
}

std::vector<std::byte> float_bytes(std::span<const float> values) {
  auto b = std::as_bytes(values);
  return {b.begin(), b.end()};
}

// A message naming the daemon's scratch file, rewritten to name the client's file.
Error renamed(const Error& e, const std::string& from, const std::string& to) {
  std::string m = e.message();
  for (auto at = m.find(from); at != std::string::npos; at = m.find(from, at + to.size())) m.replace(at, from.size(), to);
  return Error(e.code(), std::move(m));
}

}  // namespace

Expected<nlohmann::json> ClientSession::add_session(std::shared_ptr<DaemonLlm> session, bool shared) {
  const auto handle = daemon_.next_handle();
  Json reply = context_json(*session->llm);
  reply["session"] = handle;
  reply["info"] = to_json(session->llm->info());
  reply["shared_weights"] = shared;
  std::lock_guard lock(resources_mutex_);
  resources_.sessions.emplace(handle, std::move(session));
  if (shared) ++shared_sessions_;
  count_resources();
  return reply;
}

Expected<nlohmann::json> ClientSession::on_llm_create(Frame& frame, const Json& body) {
  if (frame.fds.size() != 1) return fail(ErrorCode::kBadFormat, "llm_create needs one descriptor: the .npk file");
  std::string path;
  int priority = genai::LLMParams{}.scheduler_priority;
  read_field(body, "path", path);
  read_field(body, "priority", priority);
  if (priority < 0 || priority > 31) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("priority {} is out of range 0..31", priority));
  }
  NPU_TRY_ASSIGN(auto file, identify_file(frame.fds[0].get()));
  genai::LLMParams params;
  params.model_path = fmt::format("/proc/self/fd/{}", frame.fds[0].get());
  params.scheduler_priority = static_cast<std::uint8_t>(priority);
  auto load = [&]() -> Expected<std::unique_ptr<genai::LLM>> {
    auto llm = genai::LLM::create(vdevice(), params);
    if (!llm) return fail(renamed(llm.error(), params.model_path.string(), path));
    return llm;
  };
  bool shared = false;
  NPU_TRY_ASSIGN(auto session, group_->llms.open(file, path, params.scheduler_priority, load, shared));
  log().info("npud: client {} opened LLM {} ({})", id_, path, shared ? "weights shared with a loaded session" : "loaded");
  return add_session(std::move(session), shared);
}

Expected<std::shared_ptr<DaemonLlm>> ClientSession::find_session(const Json& body, const char* key) {
  std::uint64_t handle = 0;
  read_field(body, key, handle);
  std::lock_guard lock(resources_mutex_);
  auto it = resources_.sessions.find(handle);
  if (it == resources_.sessions.end()) {
    return fail(ErrorCode::kNotFound, fmt::format("this client has no LLM session {}", handle));
  }
  return it->second;
}

Expected<nlohmann::json> ClientSession::on_llm_create_session(const Json& body) {
  NPU_TRY_ASSIGN(auto from, find_session(body, "from"));
  auto session = std::make_shared<DaemonLlm>();
  NPU_TRY_ASSIGN(session->llm, from->llm->create_session());
  session->path = from->path;
  session->file = from->file;
  group_->llms.add(session);
  return add_session(std::move(session), false);
}

Expected<nlohmann::json> ClientSession::on_llm_release(const Json& body) {
  NPU_TRY_ASSIGN(auto s, find_session(body));
  std::uint64_t handle = 0;
  read_field(body, "session", handle);
  std::lock_guard lock(resources_mutex_);
  for (auto& [stream, g] : resources_.generations) {
    if (g->session_id == handle) g->abort = true;  // its pump ends it; the session lives until then
  }
  resources_.sessions.erase(handle);
  count_resources();
  return Json::object();
}

Expected<nlohmann::json> ClientSession::on_llm_generate(const Json& body) {
  NPU_TRY_ASSIGN(auto s, find_session(body));
  std::uint64_t stream = 0, session = 0;
  read_field(body, "stream", stream);
  read_field(body, "session", session);
  NPU_TRY_ASSIGN(auto tokens, required_field<std::vector<genai::TokenId>>(body, "tokens"));
  auto params = generator_params_from_json(body.value("params", Json::object()));
  {
    std::lock_guard lock(resources_mutex_);
    if (stream == 0 || resources_.generations.contains(stream)) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("generate: stream id {} is zero or in use", stream));
    }
  }
  auto g = std::make_shared<DaemonGeneration>();
  g->stream = stream;
  g->session_id = session;
  g->session = s;
  {
    std::lock_guard session_lock(s->mutex);
    // whole_prompt: the tokens are a whole prompt; the session keeps its common prefix with it.
    bool whole_prompt = false;
    read_field(body, "whole_prompt", whole_prompt);
    NPU_TRY_ASSIGN(auto generator, whole_prompt ? s->llm->generate_cached(std::span<const genai::TokenId>(tokens), params)
                                                : s->llm->generate(std::span<const genai::TokenId>(tokens), params));
    g->generator.emplace(std::move(generator));
  }
  {
    std::lock_guard lock(resources_mutex_);
    resources_.generations.emplace(stream, g);
    count_resources();
  }
  task_started();  // cleanup waits for the pump, and the daemon for its thread
  daemon_.run_detached([self = shared_from_this(), g] {
    self->pump(g);
    self->task_ended();
  });
  return Json{{"stream", stream}};
}

// Forwards the generation's events as they come; the device goes on with other sessions meanwhile.
void ClientSession::pump(std::shared_ptr<DaemonGeneration> g) {
  std::optional<Error> error;
  bool aborted = false;
  while (true) {
    if (g->abort && !aborted) {
      g->generator->abort();
      aborted = true;
    }
    auto out = g->generator->read(std::chrono::milliseconds(50));
    if (!out) {
      if (out.error().code() == ErrorCode::kTimeout) continue;
      error = out.error();
      break;
    }
    if (out->kind == genai::OutputKind::kEnd) break;
    Json event = to_json(*out);
    event["stream"] = g->stream;
    event["stats"] = to_json(g->generator->stats());
    send(MessageType::kLlmEvent, 0, event, float_bytes(out->logits));
  }
  finish_generation(g, error);
}

void ClientSession::finish_generation(const std::shared_ptr<DaemonGeneration>& g, std::optional<Error> error) {
  const auto stats = g->generator->stats();
  const auto status = g->generator->status();
  g->generator.reset();  // joins the generation thread
  Json event = {{"stream", g->stream}, {"kind", static_cast<int>(genai::OutputKind::kEnd)},
                {"status", static_cast<int>(error ? genai::GenerationStatus::kFailed : status)},
                {"stats", to_json(stats)}};
  if (error) event["error"] = Json::parse(error_json(*error));
  {
    std::lock_guard session_lock(g->session->mutex);
    event.update(context_json(*g->session->llm));
  }
  {
    std::lock_guard lock(resources_mutex_);
    resources_.generations.erase(g->stream);
    count_resources();
  }
  g->session.reset();  // a released session goes now
  send(MessageType::kLlmEvent, 0, event);
}

void ClientSession::on_llm_abort(const Json& body) {
  std::uint64_t stream = 0;
  read_field(body, "stream", stream);
  std::lock_guard lock(resources_mutex_);
  if (auto it = resources_.generations.find(stream); it != resources_.generations.end()) it->second->abort = true;
}

void ClientSession::on_llm_prefill(std::uint32_t request_id, const Json& body) {
  auto s = find_session(body);
  if (!s) return reply(request_id, fail(s.error()));
  auto tokens_field = required_field<std::vector<genai::TokenId>>(body, "tokens");
  if (!tokens_field) return reply(request_id, fail(tokens_field.error()));
  auto tokens = std::move(*tokens_field);
  auto mode = body.value("mode", std::string("chunked")) == "token_by_token" ? genai::PrefillMode::kTokenByToken
                                                                            : genai::PrefillMode::kChunked;
  std::lock_guard session_lock((*s)->mutex);
  auto stats = (*s)->llm->prefill(std::span<const genai::TokenId>(tokens), mode);
  if (!stats) return reply(request_id, fail(stats.error()));
  Json r = context_json(*(*s)->llm);
  r["stats"] = to_json(*stats);
  reply(request_id, r, float_bytes((*s)->llm->logits()));
}

Expected<nlohmann::json> ClientSession::on_llm_clear(const Json& body) {
  NPU_TRY_ASSIGN(auto s, find_session(body));
  std::lock_guard session_lock(s->mutex);
  NPU_TRY(s->llm->clear_context());
  return context_json(*s->llm);
}

void ClientSession::on_llm_save(std::uint32_t request_id, const Json& body) {
  auto s = find_session(body);
  if (!s) return reply(request_id, fail(s.error()));
  std::lock_guard session_lock((*s)->mutex);
  const auto file = daemon_.scratch_dir() / fmt::format("save-{}-{}.ctx", id_, daemon_.next_handle());
  auto saved = (*s)->llm->save_context(file);
  if (!saved) return reply(request_id, fail(saved.error()));
  auto mapped = MappedFile::open(file);
  if (!mapped) return reply(request_id, fail(mapped.error()));
  std::vector<std::byte> bytes(mapped->bytes().begin(), mapped->bytes().end());
  std::error_code ec;
  std::filesystem::remove(file, ec);
  reply(request_id, Json::object(), std::move(bytes));
}

Expected<nlohmann::json> ClientSession::on_llm_load(const Frame& frame, const Json& body) {
  NPU_TRY_ASSIGN(auto s, find_session(body));
  std::string client_path;
  read_field(body, "path", client_path);
  const auto file = daemon_.scratch_dir() / fmt::format("load-{}-{}.ctx", id_, daemon_.next_handle());
  NPU_TRY(write_file_atomic(file, frame.binary));
  std::lock_guard session_lock(s->mutex);
  auto loaded = s->llm->load_context(file);
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (!loaded) return fail(renamed(loaded.error(), file.string(), client_path));
  return context_json(*s->llm);
}

Expected<nlohmann::json> ClientSession::on_llm_set_priority(const Json& body) {
  NPU_TRY_ASSIGN(auto s, find_session(body));
  NPU_TRY_ASSIGN(const int p, required_field<int>(body, "priority"));
  if (p < 0 || p > 255) return fail(ErrorCode::kInvalidArgument, fmt::format("priority {} is out of range 0..31", p));
  std::lock_guard session_lock(s->mutex);
  NPU_TRY(s->llm->set_scheduler_priority(static_cast<std::uint8_t>(p)));
  return Json::object();
}

}  // namespace npu::npud
