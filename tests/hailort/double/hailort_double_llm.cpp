// The genai::LLM part of the HailoRT test double (see hailort_double/world.hpp).
#include <algorithm>
#include <thread>

#include "hailort_double/world.hpp"

using hailort_double::World;

namespace hailort::genai {

struct LLM::State {
  std::string path;
  hailort_double::FakeLlm model;
  std::vector<std::string> stop_tokens;
  std::string recovery;
  hailort_double::LlmRecord& record() { return World::get().llm_records[path]; }
};

struct LLMGenerator::State {
  std::shared_ptr<LLM::State> llm;
  LLMGeneratorParams params;
  std::string prompt;
};

class LLMGeneratorCompletion::Impl {
 public:
  using Clock = std::chrono::steady_clock;
  Impl(std::shared_ptr<LLM::State> llm, const LLMGeneratorParams& params, std::vector<hailort_double::ScriptedToken> script,
       std::optional<std::pair<std::size_t, hailo_status>> failure)
      : llm_(std::move(llm)), params_(params), script_(std::move(script)), failure_(failure), last_(Clock::now()) {
    std::lock_guard lock(World::get().mutex);
    ++World::get().live_completions;
  }
  ~Impl() {
    std::lock_guard lock(World::get().mutex);
    --World::get().live_completions;
  }

  Expected<std::string> read(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (status_ != Status::GENERATING) return make_unexpected(HAILO_INVALID_OPERATION);
    if (failure_ && failure_->first == reads_) return make_unexpected(failure_->second);
    if (!queued_.empty()) return deliver(lock);
    const bool aborting = abort_requested_;
    std::string text;
    if (next_ < script_.size() && !aborting) {
      const auto ready = last_ + script_[next_].delay;
      const auto deadline = Clock::now() + timeout;
      if (ready > deadline) {
        lock.unlock();
        std::this_thread::sleep_until(deadline);
        return make_unexpected(HAILO_TIMEOUT);
      }
      lock.unlock();
      std::this_thread::sleep_until(ready);
      lock.lock();
      text = script_[next_++].text;
    }
    ++generated_;
    produced_ += text;
    Status end = Status::GENERATING;
    if (aborting) end = Status::ABORTED;
    else if (generated_ >= params_.max_generated_tokens()) end = Status::MAX_TOKENS_REACHED;
    else if (stop_matched() || next_ >= script_.size()) end = Status::LOGICAL_END_OF_GENERATION;
    queued_.push_back({text, end});
    if (end == Status::ABORTED || end == Status::MAX_TOKENS_REACHED) {
      const auto recovery = hailort_double::split_tokens(llm_->recovery);
      if (!recovery.empty()) {
        queued_.back().second = Status::GENERATING;
        for (const auto& piece : recovery) queued_.push_back({piece, Status::GENERATING});
        queued_.back().second = end;
      }
    }
    return deliver(lock);
  }

  Status status() const {
    std::lock_guard lock(mutex_);
    return status_;
  }

  hailo_status abort() {
    std::lock_guard lock(mutex_);
    {
      std::lock_guard world_lock(World::get().mutex);
      ++llm_->record().aborts;
    }
    if (status_ == Status::GENERATING) abort_requested_ = true;
    return HAILO_SUCCESS;
  }

 private:
  bool stop_matched() const {
    return std::any_of(llm_->stop_tokens.begin(), llm_->stop_tokens.end(),
                       [&](const std::string& s) { return !s.empty() && produced_.ends_with(s); });
  }
  Expected<std::string> deliver(std::unique_lock<std::mutex>&) {
    auto [text, status] = queued_.front();
    queued_.erase(queued_.begin());
    ++reads_;
    last_ = Clock::now();
    status_ = status;
    std::lock_guard world_lock(World::get().mutex);
    ++llm_->record().context_usage;
    return text;
  }

  std::shared_ptr<LLM::State> llm_;
  LLMGeneratorParams params_;
  std::vector<hailort_double::ScriptedToken> script_;
  std::optional<std::pair<std::size_t, hailo_status>> failure_;
  mutable std::mutex mutex_;
  Clock::time_point last_;
  std::vector<std::pair<std::string, Status>> queued_;
  std::size_t next_ = 0, reads_ = 0;
  uint32_t generated_ = 0;
  std::string produced_;
  bool abort_requested_ = false;
  Status status_ = Status::GENERATING;
};

LLMGeneratorCompletion::LLMGeneratorCompletion(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LLMGeneratorCompletion::LLMGeneratorCompletion(LLMGeneratorCompletion&&) = default;
LLMGeneratorCompletion::~LLMGeneratorCompletion() {
  if (impl_ && impl_->status() == Status::GENERATING) (void)impl_->abort();
}
Expected<std::string> LLMGeneratorCompletion::read(std::chrono::milliseconds timeout) { return impl_->read(timeout); }
LLMGeneratorCompletion::Status LLMGeneratorCompletion::generation_status() const { return impl_->status(); }
hailo_status LLMGeneratorCompletion::abort() { return impl_->abort(); }

namespace {

bool valid(const LLMGeneratorParams& p) {
  return p.temperature() > 0 && p.top_p() >= 0 && p.top_p() <= 1 && p.top_k() >= 1 && p.frequency_penalty() != 0;
}

// Starts a completion of `prompt` (the text HailoRT would feed the model).
Expected<LLMGeneratorCompletion> start(const std::shared_ptr<LLM::State>& llm, const LLMGeneratorParams& params,
                                       const std::string& prompt) {
  std::lock_guard lock(World::get().mutex);
  auto& world = World::get();
  if (world.live_completions > 0) return make_unexpected(HAILO_INVALID_OPERATION);  // one at a time
  auto& record = llm->record();
  ++record.generations;
  record.last_params = params;
  record.context_usage += hailort_double::split_tokens(prompt).size();
  std::vector<hailort_double::ScriptedToken> script;
  auto& model = world.llms[llm->path];
  if (!model.responses.empty()) {
    script = std::move(model.responses.front());
    model.responses.pop_front();
  }
  auto failure = model.read_failure;
  model.read_failure.reset();
  return LLMGeneratorCompletion(std::make_unique<LLMGeneratorCompletion::Impl>(llm, params, std::move(script), failure));
}

}  // namespace

LLMGenerator::LLMGenerator(std::shared_ptr<State> state) : state_(std::move(state)) {}
LLMGenerator::LLMGenerator(LLMGenerator&&) = default;
LLMGenerator::~LLMGenerator() = default;

hailo_status LLMGenerator::write(const std::string& prompt) {
  if (prompt.empty()) return HAILO_INVALID_ARGUMENT;
  state_->prompt += prompt;
  return HAILO_SUCCESS;
}

Expected<LLMGeneratorCompletion> LLMGenerator::generate() {
  if (state_->prompt.empty()) return make_unexpected(HAILO_INVALID_OPERATION);
  {
    std::lock_guard lock(World::get().mutex);
    auto& record = state_->llm->record();
    record.last_prompt = state_->prompt;
    record.last_messages.clear();
    record.last_tools.clear();
  }
  return start(state_->llm, state_->params, state_->prompt);
}

LLM::LLM(std::shared_ptr<State> state) : state_(std::move(state)) {}
LLM::LLM(LLM&&) = default;
LLM::~LLM() = default;

Expected<LLM> LLM::create(std::shared_ptr<VDevice> vdevice, const LLMParams& llm_params) {
  std::lock_guard lock(World::get().mutex);
  auto& world = World::get();
  if (!vdevice) return make_unexpected(HAILO_INVALID_ARGUMENT);
  if (world.networks.count(llm_params.hef())) return make_unexpected(HAILO_INVALID_HEF);  // not an LLM
  auto it = world.llms.find(llm_params.hef());
  if (it == world.llms.end()) return make_unexpected(HAILO_OPEN_FILE_FAILURE);
  if (it->second.create_status != HAILO_SUCCESS) return make_unexpected(it->second.create_status);
  const auto& loras = it->second.lora_names;
  if (!llm_params.lora().empty() && std::find(loras.begin(), loras.end(), llm_params.lora()) == loras.end()) {
    return make_unexpected(HAILO_INVALID_ARGUMENT);
  }
  auto state = std::make_shared<State>();
  state->path = llm_params.hef();
  state->model = it->second;
  state->stop_tokens = it->second.stop_tokens;
  state->recovery = it->second.recovery_sequence;
  auto& record = state->record();
  record.lora = llm_params.lora();
  record.optimize_memory_on_device = llm_params.optimize_memory_on_device();
  return LLM(state);
}

Expected<LLMGeneratorParams> LLM::create_generator_params() {
  const auto& m = state_->model;
  return LLMGeneratorParams(m.temperature, m.top_p, m.top_k, m.frequency_penalty, m.max_generated_tokens, m.do_sample,
                            HAILO_RANDOM_SEED);
}

Expected<LLMGenerator> LLM::create_generator(const LLMGeneratorParams& params) {
  if (!valid(params)) return make_unexpected(HAILO_INVALID_ARGUMENT);
  return LLMGenerator(std::make_shared<LLMGenerator::State>(LLMGenerator::State{state_, params, {}}));
}

Expected<LLMGeneratorCompletion> LLM::generate(const LLMGeneratorParams& params,
                                               const std::vector<std::string>& prompt_json_strings,
                                               const std::vector<std::string>& tools_json_strings) {
  if (!valid(params) || prompt_json_strings.empty()) return make_unexpected(HAILO_INVALID_ARGUMENT);
  std::string prompt;
  {
    std::lock_guard lock(World::get().mutex);
    auto& record = state_->record();
    const bool system = std::any_of(prompt_json_strings.begin(), prompt_json_strings.end(),
                                    [](const std::string& m) { return m.find("\"role\":\"system\"") != std::string::npos; });
    if ((system || !tools_json_strings.empty()) && record.context_usage > 0) return make_unexpected(HAILO_INVALID_OPERATION);
    record.last_prompt.clear();
    record.last_messages = prompt_json_strings;
    record.last_tools = tools_json_strings;
    for (const auto& m : prompt_json_strings) prompt += m;
  }
  return start(state_, params, prompt);
}

Expected<std::vector<int>> LLM::tokenize(const std::string& prompt) {
  std::vector<int> ids;
  for (const auto& piece : hailort_double::split_tokens(prompt)) ids.push_back(static_cast<int>(std::hash<std::string>{}(piece) % 50000));
  return ids;
}

Expected<size_t> LLM::get_context_usage_size() {
  std::lock_guard lock(World::get().mutex);
  return state_->record().context_usage;
}

Expected<size_t> LLM::max_context_capacity() { return state_->model.context_capacity; }

hailo_status LLM::clear_context() {
  std::lock_guard lock(World::get().mutex);
  if (World::get().live_completions > 0) return HAILO_INVALID_OPERATION;
  state_->record().context_usage = 0;
  ++state_->record().clears;
  return HAILO_SUCCESS;
}

Expected<BufferPtr> LLM::save_context() {
  std::lock_guard lock(World::get().mutex);
  const std::string blob = "ctx|" + state_->path + "|" + std::to_string(state_->record().context_usage);
  return std::make_shared<Buffer>(std::vector<uint8_t>(blob.begin(), blob.end()));
}

hailo_status LLM::load_context(const MemoryView& context) {
  const std::string blob(reinterpret_cast<const char*>(context.data()), context.size());
  const std::string prefix = "ctx|" + state_->path + "|";
  if (!blob.starts_with(prefix)) return HAILO_INVALID_OPERATION;  // another model's context
  std::lock_guard lock(World::get().mutex);
  state_->record().context_usage = std::stoul(blob.substr(prefix.size()));
  return HAILO_SUCCESS;
}

hailo_status LLM::set_generation_recovery_sequence(const std::string& sequence) {
  state_->recovery = sequence;
  return HAILO_SUCCESS;
}

Expected<std::string> LLM::get_generation_recovery_sequence() { return state_->recovery; }

Expected<std::string> LLM::prompt_template() { return state_->model.prompt_template; }

hailo_status LLM::set_stop_tokens(const std::vector<std::string>& stop_tokens) {
  std::lock_guard lock(World::get().mutex);
  state_->stop_tokens = stop_tokens;
  state_->record().stop_token_sets.push_back(stop_tokens);
  return HAILO_SUCCESS;
}

Expected<std::vector<std::string>> LLM::get_stop_tokens() { return state_->stop_tokens; }

}  // namespace hailort::genai
