#include "local/llm/local_session.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "local/llm/prefill_plan.hpp"
#include "npu/common/log.hpp"

namespace npu::genai::detail {
namespace {

// What the driver answers when it had to reset and re-boot the device under a step (or when the
// session's state was lost to a reset between its steps): the device works again, the context
// is gone. A removed device (kDeviceLost) is not: nothing answers any more, and the session can
// only move to another device of the VDevice.
bool device_was_reset(const Error& e) noexcept {
  return e.code() == ErrorCode::kDeviceError || e.code() == ErrorCode::kTimeout;
}
bool recoverable(const Error& e) noexcept { return device_was_reset(e) || e.code() == ErrorCode::kDeviceLost; }

}  // namespace

Expected<std::shared_ptr<LocalSession>> LocalSession::create(std::shared_ptr<LlmModelCore> model,
                                                             std::shared_ptr<const LlmText> text,
                                                             std::uint8_t priority) {
  auto impl = std::make_shared<LocalSession>();
  NPU_TRY_ASSIGN(impl->core, LlmSessionCore::create(model));
  if (priority != LLMParams{}.scheduler_priority) NPU_TRY(impl->core->set_priority(priority));
  const auto& pkg = model->package();
  impl->info.name = pkg.name;
  impl->info.architecture = pkg.architecture;
  impl->info.synthetic = pkg.synthetic;
  impl->info.vocab = pkg.vocab;
  impl->info.context_length = pkg.context_length;
  impl->info.prefill_chunk = pkg.prefill_chunk;
  impl->info.weights_bytes = pkg.segment(abi::Segment::kWeights);
  impl->info.state_bytes = pkg.segment(abi::Segment::kState);
  impl->info.load_device_time = model->load_device_time();
  impl->info.load_host_time = model->load_host_time();
  impl->model = std::move(model);
  impl->text = std::move(text);
  impl->history.reserve(impl->info.context_length);
  return impl;
}

Expected<void> LocalSession::check_fits(std::size_t count) const {
  if (used() + count > capacity()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("the prompt is {} tokens but only {} of the model's {}-token context are "
                            "free ({} used): shorten the prompt, clear the context, or recompile "
                            "with a larger --context", count, capacity() - used(), capacity(), used()));
  }
  return {};
}

Expected<void> LocalSession::check_tokens(std::span<const TokenId> tokens) const {
  for (TokenId t : tokens) {
    if (t < 0 || static_cast<std::uint32_t>(t) >= info.vocab) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("token id {} is outside the vocabulary (0..{})", t, info.vocab - 1));
    }
  }
  return {};
}

std::vector<TokenId> LocalSession::with_pending(std::span<const TokenId> tokens) const {
  std::vector<TokenId> all;
  all.reserve(tokens.size() + 1);
  if (pending) all.push_back(*pending);
  all.insert(all.end(), tokens.begin(), tokens.end());
  return all;
}

std::vector<Recovery> take_recoveries(LocalSession& session, GenerationStats& stats) {
  std::vector<Recovery> taken;
  taken.swap(session.recoveries);
  for (const Recovery& r : taken) {
    ++stats.recoveries;
    stats.recovery_time += r.time;
  }
  return taken;
}

void add_step(GenerationStats& stats, const StepTiming& t, bool decode) noexcept {
  if (decode) {
    ++stats.tbt_runs;
    stats.device_decode += t.device_time;
    stats.decode_ddr_bytes += t.ddr_bytes;
    stats.decode_cycles += t.device_cycles;
    stats.decode_compute_cycles += t.compute_cycles;
    stats.decode_dma_cycles += t.dma_cycles;
    stats.decode_energy_j += t.energy_j;
  } else {
    ++stats.prefill_runs;
    stats.device_ttft += t.device_time;
  }
  stats.host_step += t.host_time;
  stats.queue += t.queue_time;
  stats.device_cycles += t.device_cycles;
  stats.ddr_bytes += t.ddr_bytes;
  stats.device_energy_j += t.energy_j;
}

Expected<StepResult> LocalSession::feed(std::span<const TokenId> tokens, PrefillMode mode,
                                             Readback readback, GenerationStats& stats, bool timing_only,
                                             const std::atomic<bool>* abort) {
  if (tokens.empty()) return fail(ErrorCode::kInvalidArgument, "nothing to run: the prompt is empty");
  NPU_TRY(check_fits(tokens.size()));
  NPU_TRY(check_tokens(tokens));
  std::vector<std::uint32_t> plan;
  Subnet subnet = Subnet::kPrefill;
  if (mode == PrefillMode::kChunked) {
    plan = plan_prefill_chunks(static_cast<std::uint32_t>(tokens.size()), info.prefill_chunk);
  } else {
    plan.assign(tokens.size(), 1);
    subnet = Subnet::kTbt;
  }
  StepResult last;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (abort && abort->load() && i > 0) {
      return fail(ErrorCode::kAborted, fmt::format("aborted after {} of {} prompt tokens", offset, tokens.size()));
    }
    StepRequest req;
    req.subnet = subnet;
    req.position = used();
    req.tokens = tokens.subspan(offset, plan[i]);
    req.readback = i + 1 == plan.size() ? readback : Readback::kNone;
    req.timing_only = timing_only;
    NPU_TRY_ASSIGN(auto r, step(req));
    add_step(stats, r.timing, false);
    offset += plan[i];
    last = r;
  }
  stats.prompt_tokens += static_cast<std::uint32_t>(tokens.size());
  return last;
}

Expected<void> LocalSession::rebuild() {
  core->forget_state();
  if (base_state) NPU_TRY(core->write_state(*base_state));
  std::uint32_t position = base_tokens;
  for (const FedRun& run : runs) {
    StepRequest req;
    req.subnet = run.subnet;
    req.position = position;
    req.tokens = std::span<const TokenId>(history).subspan(position, run.tokens);
    req.readback = Readback::kNone;
    req.timing_only = run.timing_only;
    NPU_TRY(core->step(req));
    position += run.tokens;
  }
  return {};
}

Expected<void> LocalSession::recover(const Error& cause) {
  const auto started = std::chrono::steady_clock::now();
  // A removal, or a session still on a device that was dropped (a fault hit the last move, or
  // another session found the removal first): move first.
  if (cause.code() == ErrorCode::kDeviceLost || !model->vdevice().usable(core->device())) {
    NPU_TRY_ASSIGN(auto move, core->move_off_removed_device(cause));
    const auto& to = model->driver(move.to).identity().info.id;
    if (!moved) moved = std::pair{model->driver(move.from).identity().info.id, to};
    else moved->second = to;
    npu::log().warn("LLM session of '{}': {}; moving to device {} and rebuilding its context ({} tokens) there",
                    info.name, cause.what(), to, used());
  } else {
    npu::log().warn("LLM session of '{}': {}; rebuilding its context ({} tokens) on the re-booted device",
                    info.name, cause.what(), used());
  }
  NPU_TRY(rebuild());
  Recovery recovery{cause, used(), std::chrono::steady_clock::now() - started, {}, {}};
  if (moved) {  // this recovery completes a move (perhaps begun by an earlier attempt)
    recovery.moved_from = std::move(moved->first);
    recovery.moved_to = std::move(moved->second);
    moved.reset();
  }
  recoveries.push_back(std::move(recovery));
  return {};
}

Expected<StepResult> LocalSession::step(const StepRequest& request) {
  auto r = core->step(request);
  for (int attempt = 0; !r && recoverable(r.error()) && attempt < kMaxRecoveriesPerStep; ++attempt) {
    if (auto recovered = recover(r.error()); !recovered) {
      // Another fault during the rebuild (or a move) is recovered from again; anything else (no
      // room on the other device) ends it, and so does a removal with nowhere to move (it fails
      // again at once, with the removal's own error).
      r = std::unexpected(recovered.error());
      continue;
    }
    r = core->step(request);
  }
  if (!r) {
    clear();  // the device state no longer matches `history`
    return fail(r.error().with_context("the session's context was dropped"));
  }
  history.insert(history.end(), request.tokens.begin(), request.tokens.end());
  runs.push_back(FedRun{request.subnet, static_cast<std::uint32_t>(request.tokens.size()), request.timing_only});
  return r;
}

namespace {

// The recurrent ranges of a whole state segment, concatenated (a checkpoint's bytes).
std::vector<std::byte> gather(std::span<const std::byte> state, std::span<const StateRange> ranges) {
  std::vector<std::byte> out;
  for (const StateRange& r : ranges) {
    const auto from = state.begin() + static_cast<std::ptrdiff_t>(r.offset);
    out.insert(out.end(), from, from + static_cast<std::ptrdiff_t>(r.bytes));
  }
  return out;
}

// Writes a checkpoint's bytes over the recurrent ranges of a whole state segment.
void scatter(std::span<const std::byte> recurrent, std::span<const StateRange> ranges, std::vector<std::byte>& state) {
  std::size_t at = 0;
  for (const StateRange& r : ranges) {
    std::copy_n(recurrent.begin() + static_cast<std::ptrdiff_t>(at), r.bytes,
                state.begin() + static_cast<std::ptrdiff_t>(r.offset));
    at += r.bytes;
  }
}

std::size_t recurrent_bytes(std::span<const StateRange> ranges) {
  std::size_t n = 0;
  for (const StateRange& r : ranges) n += r.bytes;
  return n;
}

}  // namespace

Expected<void> LocalSession::restore(std::vector<std::byte> state, std::vector<TokenId> tokens,
                                     std::vector<Checkpoint> saved_checkpoints) {
  const auto& ranges = recurrent_state();
  const bool recurrent = ranges && !ranges->empty();
  for (const Checkpoint& c : saved_checkpoints) {
    if (!recurrent || c.position == 0 || c.position >= tokens.size() ||
        c.recurrent.size() != recurrent_bytes(*ranges)) {
      return fail(ErrorCode::kBadFormat,
                  fmt::format("its checkpoint at {} tokens ({} bytes) does not fit this model's context of {} tokens "
                              "and recurrent state of {} bytes",
                              c.position, c.recurrent.size(), tokens.size(), recurrent ? recurrent_bytes(*ranges) : 0));
    }
  }
  NPU_TRY(core->write_state(state));
  base_state = std::make_shared<const std::vector<std::byte>>(std::move(state));
  base_tokens = static_cast<std::uint32_t>(tokens.size());
  history = std::move(tokens);
  runs.clear();
  checkpoints.clear();
  for (Checkpoint& c : saved_checkpoints) add_checkpoint(std::move(c));
  if (recurrent && base_tokens > 0) add_checkpoint(Checkpoint{base_tokens, gather(*base_state, *ranges)});
  return {};
}

const std::optional<std::vector<StateRange>>& LocalSession::recurrent_state() const noexcept {
  return model->package().recurrent_state;
}

void LocalSession::add_checkpoint(Checkpoint c) {
  while (!checkpoints.empty() && checkpoints.back().position >= c.position) checkpoints.pop_back();
  checkpoints.push_back(std::move(c));
  if (checkpoints.size() > kMaxCheckpoints) checkpoints.erase(checkpoints.begin());
}

void LocalSession::checkpoint() noexcept {
  const auto& ranges = recurrent_state();
  if (!ranges || ranges->empty() || used() == 0) return;  // nothing to keep (or nothing known)
  if (!checkpoints.empty() && checkpoints.back().position == used()) return;
  auto state = core->read_state_ranges(*ranges);
  if (!state) {
    npu::log().warn("LLM session of '{}': no context checkpoint at {} tokens ({})", info.name, used(),
                    state.error().what());
    return;
  }
  add_checkpoint(Checkpoint{used(), std::move(*state)});
}

std::uint32_t LocalSession::reusable_prefix(std::span<const TokenId> prompt) const {
  if (prompt.empty()) return 0;
  const std::size_t limit = std::min(prompt.size() - 1, std::size_t{used()} + (pending ? 1 : 0));
  std::size_t common = 0;
  while (common < limit && common < history.size() && history[common] == prompt[common]) ++common;
  if (common == history.size()) return used();  // all of the history: at most the pending token differs
  const auto& ranges = recurrent_state();
  if (!ranges) return 0;
  if (ranges->empty()) return static_cast<std::uint32_t>(common);  // positional state only
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    if (it->position <= common) return it->position;
  }
  return 0;
}

Expected<void> LocalSession::rewind(std::uint32_t position) {
  if (position == used()) {
    pending.reset();
    return {};
  }
  if (position == 0 || position > used()) {
    clear();  // (position 0 resets the conv state on the device)
    return {};
  }
  const auto& ranges = recurrent_state();
  const bool recurrent = ranges && !ranges->empty();
  while (!checkpoints.empty() && checkpoints.back().position > position) checkpoints.pop_back();
  if (recurrent && (checkpoints.empty() || checkpoints.back().position != position)) {
    clear();
    return fail(ErrorCode::kInternal, fmt::format("no context checkpoint at {} tokens to rewind to", position));
  }
  history.resize(position);
  pending.reset();
  // The runs that fed the kept tokens; one that crosses `position` is cut there (positional state
  // only: a recurrent model's checkpoints lie on run boundaries). Below a loaded state, that
  // state's KV cache holds the kept positions, and the checkpoint (saved with it) their
  // recurrent state.
  if (position < base_tokens) {
    base_tokens = position;
    runs.clear();
    if (recurrent && base_state) {
      auto state = *base_state;
      scatter(checkpoints.back().recurrent, *ranges, state);
      base_state = std::make_shared<const std::vector<std::byte>>(std::move(state));
    }
  } else {
    std::uint32_t at = base_tokens;
    std::size_t kept = 0;
    while (kept < runs.size() && at < position) {
      if (at + runs[kept].tokens > position) runs[kept].tokens = position - at;
      at += runs[kept].tokens;
      ++kept;
    }
    runs.resize(kept);
  }
  if (!recurrent) return {};
  auto written = core->write_state_ranges(*ranges, checkpoints.back().recurrent);
  if (written) return {};
  if (recoverable(written.error())) {
    // The device lost the context under us: rebuild the kept part from its runs (exact).
    auto recovered = recover(written.error());
    if (recovered) return {};
    written = std::unexpected(recovered.error());
  }
  clear();
  return fail(written.error().with_context("rewinding the context; the session's context was dropped"));
}

void LocalSession::clear() noexcept {
  moved.reset();
  history.clear();
  pending.reset();
  base_state.reset();
  base_tokens = 0;
  runs.clear();
  checkpoints.clear();
  core->forget_state();
}

}  // namespace npu::genai::detail
