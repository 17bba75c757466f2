#include "hailort/hailo_llm.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <hailo/hailort.hpp>

#include "hailort/hailo_status_error.hpp"
#include "hailort/hailo_vdevice.hpp"
#include "npu/common/file.hpp"

namespace npu::hailort_backend {
namespace {

using Clock = std::chrono::steady_clock;
using hailort::genai::LLMGeneratorCompletion;

constexpr std::uint32_t kHailoDefaultSeed = static_cast<std::uint32_t>(genai::kDefaultSeed);
static_assert(kHailoDefaultSeed != HAILO_RANDOM_SEED);

// A saved context: this line, one line of JSON naming the model, then HailoRT's context blob.
constexpr std::string_view kContextMagic = "NPUSTACK-HAILORT-CONTEXT 1\n";

Expected<std::vector<std::string>> message_json(std::span<const genai::ChatMessage> messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    if (m.role.empty()) return fail(ErrorCode::kInvalidArgument, "a chat message has no role: give each one a role");
    nlohmann::json j{{"role", m.role}, {"content", m.content}};
    if (!m.reasoning.empty()) j["reasoning_content"] = m.reasoning;
    if (!m.tool_calls.empty()) {
      nlohmann::json calls = nlohmann::json::array();
      for (const auto& c : m.tool_calls) {
        auto args = nlohmann::json::parse(c.arguments_json, nullptr, false);
        if (args.is_discarded() || !args.is_object()) {
          return fail(ErrorCode::kInvalidArgument,
                      fmt::format("the arguments of tool call '{}' are not a JSON object: {}", c.name, c.arguments_json));
        }
        calls.push_back({{"type", "function"}, {"function", {{"name", c.name}, {"arguments", std::move(args)}}}});
      }
      j["tool_calls"] = std::move(calls);
    }
    out.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return out;
}

Expected<std::vector<std::string>> tool_json(std::span<const std::string> tools) {
  std::vector<std::string> out;
  for (const auto& t : tools) {
    auto j = nlohmann::json::parse(t, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("a tool is not a JSON object: {}", t));
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace

struct HailoLlm::Prepared {
  std::optional<hailort::genai::LLMGeneratorParams> params;
  TextEventOptions events;
};

Expected<std::unique_ptr<HailoLlm>> HailoLlm::create(std::shared_ptr<HailoVDevice> vdevice,
                                                     const genai::LLMParams& params) {
  const auto& hef = params.model_path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(hef, ec)) {
    return fail(ErrorCode::kNotFound,
                fmt::format("{}: no such file (give the path of a Hailo-compiled LLM .hef)", hef.string()));
  }
  const auto started = Clock::now();
  hailort::genai::LLMParams p(hef.string(), params.lora_name, params.optimize_memory_on_device);
  auto llm = hailort::genai::LLM::create(vdevice->vdevice(), p);
  if (!llm) {
    return hailo_fail(llm.status(), fmt::format("loading the LLM {}{}", hef.string(),
                                                params.lora_name.empty() ? "" : " with LoRA " + params.lora_name));
  }
  auto session = std::make_unique<HailoLlm>(std::move(vdevice), params,
                                            std::make_unique<hailort::genai::LLM>(llm.release()));
  session->info_.load_host_time = Clock::now() - started;
  NPU_TRY(session->load_model_facts());
  return session;
}

HailoLlm::HailoLlm(std::shared_ptr<HailoVDevice> vdevice, genai::LLMParams params,
                   std::unique_ptr<hailort::genai::LLM> llm)
    : vdevice_(std::move(vdevice)), params_(std::move(params)), llm_(std::move(llm)) {}

HailoLlm::~HailoLlm() {
  std::shared_ptr<HailoGeneration> active;
  {
    std::lock_guard lock(mutex_);
    active = active_.lock();
  }
  if (active) active->abort();
}

Expected<std::unique_ptr<backend::LlmBackend>> HailoLlm::create_session() const {
  NPU_TRY_ASSIGN(auto session, create(vdevice_, params_));
  return std::unique_ptr<backend::LlmBackend>(std::move(session));
}

Expected<void> HailoLlm::load_model_facts() {
  const std::string what = fmt::format("reading the LLM {}", params_.model_path.filename().string());
  auto capacity = llm_->max_context_capacity();
  if (!capacity) return hailo_fail(capacity.status(), what);
  info_.name = params_.model_path.stem().string();
  info_.architecture = "hef";
  info_.text_only = true;
  info_.context_length = static_cast<std::uint32_t>(capacity.value());
  std::error_code ec;
  info_.weights_bytes = std::filesystem::file_size(params_.model_path, ec);
  auto defaults = llm_->create_generator_params();
  if (!defaults) return hailo_fail(defaults.status(), what);
  const auto& d = defaults.value();
  defaults_.temperature = d.temperature();
  defaults_.top_p = d.top_p();
  defaults_.top_k = static_cast<std::int32_t>(d.top_k());
  defaults_.repetition_penalty = d.frequency_penalty();
  defaults_.max_generated_tokens = d.max_generated_tokens();
  defaults_.greedy = !d.do_sample();
  auto stops = llm_->get_stop_tokens();
  if (!stops) return hailo_fail(stops.status(), what);
  end_of_turn_ = stops.value();
  stop_tokens_ = end_of_turn_;
  if (params_.recovery_sequence) {
    NPU_TRY(hailo_check(llm_->set_generation_recovery_sequence(*params_.recovery_sequence),
                        "setting the recovery sequence"));
  }
  auto recovery = llm_->get_generation_recovery_sequence();
  if (!recovery) return hailo_fail(recovery.status(), what);
  recovery_ = recovery.value();
  if (!recovery_.empty()) {
    auto tokens = llm_->tokenize(recovery_);
    recovery_tokens_ = tokens ? static_cast<std::uint32_t>(tokens.value().size()) : 1;
  }
  auto templ = llm_->prompt_template();
  template_opens_think_ = templ && template_opens_think(templ.value());
  return {};
}

Expected<const genai::Tokenizer*> HailoLlm::tokenizer() const {
  return fail(ErrorCode::kUnsupported,
              fmt::format("the tokenizer of {} runs inside HailoRT: use tokenize(), or generate from text",
                          params_.model_path.filename().string()));
}

Expected<std::vector<genai::TokenId>> HailoLlm::tokenize(std::string_view text) const {
  auto tokens = llm_->tokenize(std::string(text));
  if (!tokens) return hailo_fail(tokens.status(), "tokenizing on the Hailo device");
  return std::vector<genai::TokenId>(tokens.value().begin(), tokens.value().end());
}

Expected<void> HailoLlm::release_finished() {
  std::lock_guard lock(mutex_);
  if (auto active = active_.lock(); active && !active->release_completion()) {
    return fail(ErrorCode::kBusy,
                "this session is still generating: read its generator to the end or abort() it first "
                "(or use another session from create_session())");
  }
  return {};
}

Expected<HailoLlm::Prepared> HailoLlm::prepare(const genai::GeneratorParams& params, const genai::LLMHooks& hooks,
                                               bool start_in_reasoning) {
  auto unsupported = [](std::string_view what) {
    return fail(ErrorCode::kUnsupported, fmt::format("HailoRT cannot {}: leave it unset for a .hef model", what));
  };
  if (params.return_logits) return unsupported("return logits (they stay on the device)");
  if (params.timing_only) return unsupported("run a timing-only generation (that is a simulator feature)");
  if (!params.stop_tokens.empty()) return unsupported("stop on token ids (give stop_strings instead)");
  if (params.min_p && *params.min_p != 0.0f) return unsupported("sample with min_p");
  if (params.top_k && *params.top_k <= 0) return unsupported("turn top_k off (give a top_k of 1 or more)");
  if (params.repetition_window) return unsupported("limit the repetition penalty to a window (it covers the whole context)");
  if (params.max_generated_tokens && *params.max_generated_tokens == 0) {
    return fail(ErrorCode::kInvalidArgument, "max_generated_tokens must be at least 1 (leave it unset for the model's limit)");
  }
  if (params.seed && *params.seed >= std::numeric_limits<std::uint32_t>::max()) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("seed {} does not fit HailoRT's 32-bit seed: use a smaller one", *params.seed));
  }
  auto base = llm_->create_generator_params();
  if (!base) return hailo_fail(base.status(), "reading the model's generation parameters");
  Prepared out;
  out.params.emplace(base.release());
  auto& p = *out.params;
  auto set = [](hailo_status s, std::string_view what) { return hailo_check(s, fmt::format("setting {}", what)); };
  const bool greedy = params.greedy || (params.temperature && *params.temperature == 0.0f);
  if (greedy) {
    NPU_TRY(set(p.set_do_sample(false), "greedy decoding"));
  } else if (params.temperature) {
    NPU_TRY(set(p.set_temperature(*params.temperature), "the temperature"));
    NPU_TRY(set(p.set_do_sample(true), "sampling"));
  }
  if (params.top_k) NPU_TRY(set(p.set_top_k(static_cast<std::uint32_t>(*params.top_k)), "top_k"));
  if (params.top_p) NPU_TRY(set(p.set_top_p(*params.top_p), "top_p"));
  // HailoRT's frequency_penalty divides the positive logits of the tokens already seen and
  // multiplies the negative ones: a repetition penalty.
  if (params.repetition_penalty) NPU_TRY(set(p.set_frequency_penalty(*params.repetition_penalty), "the repetition penalty"));
  if (params.max_generated_tokens) NPU_TRY(set(p.set_max_generated_tokens(*params.max_generated_tokens), "max_generated_tokens"));
  // Reproducible by default, as on the other backends (HailoRT would draw a random seed): its
  // seed is 32 bits, so the default is genai::kDefaultSeed's low half.
  NPU_TRY(set(p.set_seed(params.seed ? static_cast<std::uint32_t>(*params.seed) : kHailoDefaultSeed), "the seed"));

  std::vector<std::string> stops = params.ignore_end_tokens ? std::vector<std::string>{} : end_of_turn_;
  for (const auto& s : params.stop_strings) {
    if (!s.empty()) stops.push_back(s);
  }
  if (stops != stop_tokens_) {
    NPU_TRY(hailo_check(llm_->set_stop_tokens(stops), "setting the stop sequences"));
    stop_tokens_ = stops;
  }
  out.events.show_reasoning = params.show_reasoning;
  out.events.start_in_reasoning = start_in_reasoning;
  out.events.hooks = hooks;
  out.events.stop_strings = params.stop_strings;
  if (!params.ignore_end_tokens) out.events.end_of_turn = end_of_turn_;
  out.events.recovery_sequence = recovery_;
  return out;
}

std::shared_ptr<HailoGeneration> HailoLlm::start_generation(std::unique_ptr<LLMGeneratorCompletion> completion,
                                                            Prepared prepared, std::uint32_t prompt_tokens,
                                                            Clock::time_point started, std::uint32_t cached_tokens,
                                                            std::shared_ptr<HailoReply> reply) {
  auto generation = std::make_shared<HailoGeneration>(
      std::move(completion), TextEventMapper(std::move(prepared.events)),
      HailoGeneration::Counts{.recovery_tokens = recovery_tokens_, .prompt_tokens = prompt_tokens,
                              .cached_tokens = cached_tokens},
      started, std::move(reply));
  std::lock_guard lock(mutex_);
  active_ = generation;
  return generation;
}

Expected<std::shared_ptr<backend::GenerationStream>> HailoLlm::generate(std::span<const genai::TokenId>,
                                                                       const genai::GeneratorParams&,
                                                                       const genai::LLMHooks&) {
  return fail(ErrorCode::kUnsupported,
              "a .hef model takes text, not token ids (HailoRT tokenizes on the device): give a prompt or chat "
              "messages");
}

Expected<std::shared_ptr<backend::GenerationStream>> HailoLlm::generate(std::string_view prompt,
                                                                       const genai::GeneratorParams& params,
                                                                       const genai::LLMHooks& hooks) {
  if (prompt.empty()) return fail(ErrorCode::kInvalidArgument, "the prompt is empty: give some text");
  NPU_TRY(release_finished());
  forget_conversation();  // the context no longer holds only a conversation
  const auto started = Clock::now();
  NPU_TRY_ASSIGN(auto prepared, prepare(params, hooks, opens_think(prompt)));
  auto tokens = llm_->tokenize(std::string(prompt));
  const auto prompt_tokens = tokens ? static_cast<std::uint32_t>(tokens.value().size()) : 0;
  auto generator = llm_->create_generator(*prepared.params);
  if (!generator) return hailo_fail(generator.status(), "creating a generator on the Hailo device");
  NPU_TRY(hailo_check(generator.value().write(std::string(prompt)), "sending the prompt to the Hailo device"));
  auto completion = generator.value().generate();
  if (!completion) return hailo_fail(completion.status(), "starting a generation on the Hailo device");
  return start_generation(std::make_unique<LLMGeneratorCompletion>(completion.release()), std::move(prepared),
                          prompt_tokens, started);
}

Expected<std::shared_ptr<backend::GenerationStream>> HailoLlm::generate(
    std::span<const genai::ChatMessage> messages, std::span<const std::string> tools_json,
    const genai::GeneratorParams& params, const genai::LLMHooks& hooks) {
  if (messages.empty()) return fail(ErrorCode::kInvalidArgument, "no messages: give at least one");
  NPU_TRY_ASSIGN(auto json_messages, message_json(messages));
  NPU_TRY_ASSIGN(auto json_tools, tool_json(tools_json));
  NPU_TRY(release_finished());
  // The whole conversation: only what HailoRT's context lacks goes (see the header).
  const std::size_t held = held_messages(messages, tools_json);
  const auto fresh = messages.subspan(held);
  if (held > 0 && std::any_of(fresh.begin(), fresh.end(), [](const auto& m) { return m.role == "system"; })) {
    return fail(ErrorCode::kInvalidArgument, "a system message may only open the conversation");
  }
  NPU_TRY_ASSIGN(auto prepared, prepare(params, hooks, template_opens_think_));
  const std::uint32_t cached = held > 0 ? context_usage() : 0;
  if (held == 0 && (context_usage() > 0 || !sent_.empty())) {
    NPU_TRY(hailo_check(llm_->clear_context(), "clearing the context for another conversation"));
  }
  forget_conversation();
  if (held > 0) {
    NPU_TRY_ASSIGN(json_messages, message_json(fresh));
    json_tools.clear();  // (HailoRT has them from the start of the conversation)
  }
  const auto started = Clock::now();
  auto completion = llm_->generate(*prepared.params, json_messages, json_tools);
  if (!completion) return hailo_fail(completion.status(), "starting a generation on the Hailo device");
  sent_.assign(messages.begin(), messages.end());
  sent_tools_.assign(tools_json.begin(), tools_json.end());
  reply_ = std::make_shared<HailoReply>();
  return start_generation(std::make_unique<LLMGeneratorCompletion>(completion.release()), std::move(prepared), 0,
                          started, cached, reply_);
}

std::size_t HailoLlm::held_messages(std::span<const genai::ChatMessage> messages,
                                    std::span<const std::string> tools_json) const {
  if (!reply_ || sent_.empty() || messages.size() <= sent_.size() + 1) return 0;
  if (!std::equal(sent_tools_.begin(), sent_tools_.end(), tools_json.begin(), tools_json.end())) return 0;
  auto same = [](const genai::ChatMessage& a, const genai::ChatMessage& b) {
    return a.role == b.role && a.content == b.content && a.reasoning == b.reasoning && a.tool_calls == b.tool_calls;
  };
  if (!std::equal(sent_.begin(), sent_.end(), messages.begin(), same)) return 0;
  // The answer as the reader received it (its reasoning is not compared: HailoRT keeps what it
  // generated, and a reader that hid it has none to give back).
  const genai::ChatMessage& answer = messages[sent_.size()];
  std::lock_guard lock(reply_->mutex);
  if (!reply_->complete || answer.role != "assistant" || answer.content != reply_->content ||
      answer.tool_calls != reply_->tool_calls) {
    return 0;
  }
  return sent_.size() + 1;
}

void HailoLlm::forget_conversation() noexcept {
  sent_.clear();
  sent_tools_.clear();
  reply_.reset();
}

Expected<genai::GenerationStats> HailoLlm::prefill(std::span<const genai::TokenId>, genai::PrefillMode) {
  return fail(ErrorCode::kUnsupported,
              "HailoRT feeds the prompt as part of a generation: a .hef model has no separate prefill");
}

std::uint32_t HailoLlm::context_usage() const noexcept {
  auto used = llm_->get_context_usage_size();
  return used ? static_cast<std::uint32_t>(used.value()) : 0;
}

Expected<void> HailoLlm::clear_context() {
  NPU_TRY(release_finished());
  forget_conversation();
  return hailo_check(llm_->clear_context(), "clearing the context");
}

Expected<void> HailoLlm::save_context(const std::filesystem::path& path) {
  NPU_TRY(release_finished());
  auto blob = llm_->save_context();
  if (!blob) return hailo_fail(blob.status(), "saving the context");
  const nlohmann::json header{{"model", info_.name}, {"hef", params_.model_path.filename().string()},
                              {"lora", params_.lora_name}, {"bytes", blob.value()->size()}};
  std::string file(kContextMagic);
  file += header.dump();
  file += '\n';
  file.append(reinterpret_cast<const char*>(blob.value()->data()), blob.value()->size());
  return write_file_atomic(path, std::string_view(file));
}

Expected<void> HailoLlm::load_context(const std::filesystem::path& path) {
  NPU_TRY(release_finished());
  NPU_TRY_ASSIGN(auto file, MappedFile::open(path));
  const std::string_view text(reinterpret_cast<const char*>(file.bytes().data()), file.size());
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::kBadFormat, fmt::format("{} is not a context saved from a HailoRT session ({}): save it "
                                                   "again with save_context()", path.string(), why));
  };
  if (!text.starts_with(kContextMagic)) return bad("no header");
  const std::size_t eol = text.find('\n', kContextMagic.size());
  if (eol == std::string_view::npos) return bad("truncated header");
  const auto header = nlohmann::json::parse(text.substr(kContextMagic.size(), eol - kContextMagic.size()), nullptr, false);
  if (header.is_discarded() || !header.is_object() || !header.contains("bytes") || !header["bytes"].is_number_unsigned()) {
    return bad("damaged header");
  }
  const std::string model = header.value("model", std::string());
  const std::string lora = header.value("lora", std::string());
  if (model != info_.name || lora != params_.lora_name) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("{} was saved from model '{}'{}, not from this model '{}'{}: load it into a session of "
                            "the model it came from", path.string(), model, lora.empty() ? "" : " (LoRA " + lora + ")",
                            info_.name, params_.lora_name.empty() ? "" : " (LoRA " + params_.lora_name + ")"));
  }
  const std::string_view blob = text.substr(eol + 1);
  if (blob.size() != header["bytes"].get<std::uint64_t>()) return bad("truncated context");
  forget_conversation();  // (the next conversation starts over: the file keeps no messages)
  return hailo_check(llm_->load_context(hailort::MemoryView::create_const(blob.data(), blob.size())),
                     fmt::format("loading the context {}", path.string()));
}

Expected<void> HailoLlm::set_scheduler_priority(std::uint8_t) {
  return fail(ErrorCode::kUnsupported,
              "HailoRT's LLM API has no scheduler priority: HailoRT schedules its LLM networks itself");
}

Expected<void> HailoLlm::start_device_profile(std::size_t) {
  return fail(ErrorCode::kUnsupported, "a Hailo device keeps no npustack device profile (host figures only)");
}

Expected<ProfileData> HailoLlm::read_device_profile(std::size_t) {
  return fail(ErrorCode::kUnsupported, "a Hailo device keeps no npustack device profile (host figures only)");
}

}  // namespace npu::hailort_backend
